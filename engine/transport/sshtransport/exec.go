package sshtransport

import (
	"context"
	"errors"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/internal/shell"
	"golang.org/x/crypto/ssh"
)

// Run runs c on the host; see transport.Host. It waits for a free session
// slot first.
func (h *host) Run(ctx context.Context, c transport.Command) (transport.Result, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return transport.Result{}, h.errorf("waiting for a free session: %w", ctx.Err())
	}
	defer func() { <-h.sem }()
	return h.run(ctx, c)
}

// run runs c in a new session without taking a session slot.
func (h *host) run(ctx context.Context, c transport.Command) (transport.Result, error) {
	line, hs, err := prepare(c)
	if err != nil {
		return transport.Result{}, h.errorf("%w", err)
	}
	cn, sess, err := h.session(ctx)
	if err != nil {
		return transport.Result{}, err
	}
	defer sess.Close()
	if err := ctx.Err(); err != nil {
		return transport.Result{}, h.errorf("%w", err)
	}
	stdout := shell.StreamLines(c.OnLine, transport.Stdout, c.KeptOutput())
	stderr := shell.StreamLines(c.OnLine, transport.Stderr, c.KeptOutput())
	hs.Stderr = stderr
	sess.Stdout, sess.Stderr = stdout, hs
	stdin, err := sess.StdinPipe()
	if err != nil {
		return transport.Result{}, h.errorf("%w", err)
	}
	if err := sess.Start(line); err != nil {
		return transport.Result{}, h.errorf("start command: %w", err)
	}
	if hs.HasInput() {
		fed := make(chan struct{})
		defer close(fed)
		go hs.Feed(stdin, fed)
	} else {
		stdin.Close()
	}
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()
	var waitErr error
	select {
	case waitErr = <-waited:
	case <-ctx.Done():
		err := h.cancel(cn, sess, hs, c.Sudo, waited, ctx.Err())
		stdout.Flush()
		stderr.Flush()
		return transport.Result{ExitCode: -1, Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), StdoutTruncated: stdout.Truncated(), StderrTruncated: stderr.Truncated()}, err
	}
	stdout.Flush()
	stderr.Flush()
	res, err := h.result(cn, waitErr, hs)
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	res.StdoutTruncated, res.StderrTruncated = stdout.Truncated(), stderr.Truncated()
	return res, err
}

// result turns the end of a session into a Result or an error.
func (h *host) result(cn *conn, waitErr error, hs *shell.Handshake) (transport.Result, error) {
	var exit *ssh.ExitError
	switch {
	case waitErr == nil:
	case errors.As(waitErr, &exit):
	default:
		cn.close()
		return transport.Result{ExitCode: -1}, h.errorf("%w while the command ran (it may or may not have finished): %v", transport.ErrConnectionLost, waitErr)
	}
	if err := hs.Failure(); err != nil {
		return transport.Result{}, h.errorf("%w", err)
	}
	switch {
	case exit == nil:
		return transport.Result{}, nil
	case exit.Signal() != "":
		return transport.Result{ExitCode: -1, Signal: exit.Signal()}, nil
	}
	return transport.Result{ExitCode: exit.ExitStatus()}, nil
}

// Bounds on waiting for sshd to free a session slot (see session).
const (
	sessionRetryFirst = 2 * time.Millisecond
	sessionRetryLast  = time.Second
)

// session opens a session, dialling again once when the connection turns
// out to be broken: no command has started then, so nothing is run twice.
// OpenSSH frees the slot of a session that ended only after it has read
// what follows the session's close, so a command started right after
// others ended may find every slot of MaxSessions still taken: such a
// refusal ("open failed") is tried again, waiting twice as long each time,
// for about two seconds.
func (h *host) session(ctx context.Context) (*conn, *ssh.Session, error) {
	redialled := false
	wait := sessionRetryFirst
	for {
		cn, err := h.connect(ctx)
		if err != nil {
			return nil, nil, err
		}
		sess, err := cn.client.NewSession()
		switch {
		case err == nil:
			return cn, sess, nil
		case isSlotRefusal(err) && wait <= sessionRetryLast:
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, nil, h.errorf("waiting for sshd to allow another session: %w", ctx.Err())
			}
			wait *= 2
			continue
		case isOpenRefusal(err):
			return nil, nil, h.errorf("open session: %w", err)
		}
		cn.close()
		if redialled {
			return nil, nil, h.errorf("%w before the command started: %v", transport.ErrConnectionLost, err)
		}
		redialled = true
	}
}

// prepare returns the command line for c and the handshake that feeds it.
func prepare(c transport.Command) (string, *shell.Handshake, error) {
	if len(c.Args) == 0 && c.Script == "" {
		return "", nil, errors.New("command has neither args nor script")
	}
	hs := &shell.Handshake{Stdin: c.Stdin, PasswordRequired: transport.ErrSudoPasswordRequired}
	if len(c.Env) > 0 {
		block, err := shell.EnvBlock(c.Env)
		if err != nil {
			return "", nil, err
		}
		hs.Env = block
	}
	var prefix []string
	if c.Sudo != nil {
		prefix = shell.SudoArgv(c.Sudo.User, c.Sudo.Password != "")
		hs.Password = c.Sudo.Password
	}
	return shell.Line(prefix, c.Dir, hs.Env != nil, c.Args, c.Script), hs, nil
}

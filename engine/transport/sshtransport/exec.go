package sshtransport

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/internal/shell"
	"golang.org/x/crypto/ssh"
)

// Run runs c on the host; see transport.Host. It waits for a free session
// slot first.
func (h *host) Run(ctx context.Context, c transport.Command) (transport.Result, error) {
	return h.runTo(ctx, c, nil)
}

// runTo runs c as Run does; stdout, when set, receives the command's
// standard output as it comes, in place of the Result and c.OnLine.
func (h *host) runTo(ctx context.Context, c transport.Command, stdout io.Writer) (transport.Result, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return transport.Result{}, h.errorf("waiting for a free session: %w", ctx.Err())
	}
	defer func() { <-h.sem }()
	return h.run(ctx, c, stdout)
}

// run runs c in a new session without taking a session slot; sink, when
// set, receives its standard output (see runTo).
func (h *host) run(ctx context.Context, c transport.Command, sink io.Writer) (transport.Result, error) {
	line, hs, err := prepare(c)
	if err != nil {
		return transport.Result{}, h.errorf("%w", err)
	}
	stdout := shell.StreamLines(c.OnLine, transport.Stdout, c.KeptOutput())
	stderr := shell.StreamLines(c.OnLine, transport.Stderr, c.KeptOutput())
	hs.Stderr = stderr
	var out io.Writer = stdout
	if sink != nil {
		out = sink
	}
	cn, sess, stdin, err := h.start(ctx, line, out, hs)
	if err != nil {
		return transport.Result{}, err
	}
	defer sess.Close()
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

// Bounds on waiting for sshd to free a session slot (see start).
const (
	sessionRetryFirst = 2 * time.Millisecond
	sessionRetryLast  = time.Second
)

// start opens a session whose output goes to stdout and stderr and
// starts line in it. When the connection turns out to be broken, as the
// session is opened or as its command is sent, it dials again, once: the
// command has not started then, so nothing is run twice (save when the
// connection breaks in the instant between sshd starting the command and
// its answer arriving). When the connection is broken again, the error
// wraps transport.ErrConnectionLost and says that the command never
// started.
//
// OpenSSH frees the slot of a session that ended only after it has read
// what follows the session's close, so a command started right after
// others ended may find every slot of MaxSessions still taken: such a
// refusal ("open failed") is tried again, waiting twice as long each time,
// for about two seconds.
func (h *host) start(ctx context.Context, line string, stdout, stderr io.Writer) (*conn, *ssh.Session, io.WriteCloser, error) {
	redialled := false
	wait := sessionRetryFirst
	for {
		cn, err := h.connect(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		sess, err := cn.client.NewSession()
		switch {
		case err == nil:
			stdin, err := startIn(ctx, sess, line, stdout, stderr)
			switch {
			case err == nil:
				return cn, sess, stdin, nil
			case ctx.Err() != nil:
				return nil, nil, nil, h.errorf("%w", ctx.Err())
			case !cn.broken():
				return nil, nil, nil, h.errorf("start command: %w", err)
			}
		case isSlotRefusal(err) && wait <= sessionRetryLast:
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, nil, nil, h.errorf("waiting for sshd to allow another session: %w", ctx.Err())
			}
			wait *= 2
			continue
		case isOpenRefusal(err):
			return nil, nil, nil, h.errorf("open session: %w", err)
		}
		cn.close()
		if redialled {
			return nil, nil, nil, h.errorf("%w before the command started: %v", transport.ErrConnectionLost, err)
		}
		redialled = true
	}
}

// startIn starts line in sess, whose output goes to stdout and stderr,
// and returns the command's standard input. On failure it closes sess.
func startIn(ctx context.Context, sess *ssh.Session, line string, stdout, stderr io.Writer) (io.WriteCloser, error) {
	sess.Stdout, sess.Stderr = stdout, stderr
	stdin, err := sess.StdinPipe()
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = sess.Start(line)
	}
	if err != nil {
		sess.Close()
		return nil, err
	}
	return stdin, nil
}

// prepare returns the command line for c and the handshake that feeds it.
func prepare(c transport.Command) (string, *shell.Handshake, error) {
	if err := c.Validate(); err != nil {
		return "", nil, err
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
		prefix = hs.Sudo(c.Sudo.User, c.Sudo.Password)
	}
	return hs.Line(prefix, c.Dir, c.Args, c.Script), hs, nil
}

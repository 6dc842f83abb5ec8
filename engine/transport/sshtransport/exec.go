package sshtransport

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/internal/shell"
	"golang.org/x/crypto/ssh"
)

// Run runs c on the host; see transport.Host. It waits for another
// command's dial of the host's connection (see awaitDial), then for a
// free session slot.
func (h *host) Run(ctx context.Context, c transport.Command) (transport.Result, error) {
	if err := h.awaitDial(c); err != nil {
		return transport.Result{}, err
	}
	return h.runTo(ctx, c, nil)
}

// awaitDial waits while another command dials the host, before c goes
// any deeper: a command waiting for its host's connection holds its
// goroutine's stack, which grows with the depth at which it waits, and
// over thousands of hosts with several commands each those stacks add
// up. When that dial failed it returns its error, which connect would
// have returned to c. It leaves to the way through runTo the commands
// that this way would refuse before it connects, and those that may need
// a terminal (sudo) or run in a persistent helper, whose way to the
// connection has steps of its own.
func (h *host) awaitDial(c transport.Command) error {
	if h.dialMu.TryLock() {
		h.dialMu.Unlock()
		return nil
	}
	if _, err := prepare(c); err != nil || c.Sudo != nil || h.persistent() {
		return nil
	}
	h.mu.Lock()
	seen := h.dials
	h.mu.Unlock()
	h.dialMu.Lock()
	defer h.dialMu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed && (h.cur == nil || !h.cur.alive()) && h.dials != seen && h.lastErr != nil {
		return h.lastErr
	}
	return nil
}

// runTo runs c as Run does; stdout, when set, receives the command's
// standard output as it comes, in place of the Result and c.OnLine. It
// takes the session slots c needs first: two for sudo on a host that
// needs a terminal for it (see runTTY).
func (h *host) runTo(ctx context.Context, c transport.Command, stdout io.Writer) (transport.Result, error) {
	return h.runWith(ctx, c, stdout, h.slots, true)
}

// runWith runs c, holding the session slots that take returns for as
// long as it runs, and runs it again through a terminal when sudo
// refused to run it without one; by then the host is known to need one,
// and sudo commands go straight to a terminal. pooled allows a
// persistent helper to run it (see PersistentMode).
func (h *host) runWith(ctx context.Context, c transport.Command, sink io.Writer, take func(context.Context, bool) (func(), error), pooled bool) (transport.Result, error) {
	for {
		tty := c.Sudo != nil && h.needsTTY()
		if tty && h.persistent() {
			h.dropHelpers()
		}
		release, err := take(ctx, tty)
		if err != nil {
			return transport.Result{}, err
		}
		res, err := h.run(ctx, c, sink, tty, pooled)
		release()
		if tty || !errors.Is(err, shell.ErrNeedsTTY) {
			return res, err
		}
		h.noteNeedsTTY()
	}
}

// slots waits for a free session slot, or two when pair is set, and
// returns the function that frees them. Pairs are taken one caller at a
// time, holding none before, so that callers each holding one slot never
// wait for each other's second.
func (h *host) slots(ctx context.Context, pair bool) (func(), error) {
	n := 1
	if pair {
		if cap(h.sem) < 2 {
			return nil, h.errorf("sudo needs a terminal here, which takes two sessions, and MaxSessions is %d", cap(h.sem))
		}
		n = 2
		h.pairMu.Lock()
		defer h.pairMu.Unlock()
	}
	for i := range n {
		select {
		case h.sem <- struct{}{}:
		case <-ctx.Done():
			for range i {
				<-h.sem
			}
			return nil, h.errorf("waiting for a free session: %w", ctx.Err())
		}
	}
	return func() {
		for range n {
			<-h.sem
		}
	}, nil
}

// noSlots takes no session slot (see runWith).
func noSlots(context.Context, bool) (func(), error) { return func() {}, nil }

// run runs c in a new session (or, when tty is set, two: see runTTY),
// or in a persistent helper when pooled is set and the host has them,
// without taking a session slot; sink, when set, receives its standard
// output (see runTo).
func (h *host) run(ctx context.Context, c transport.Command, sink io.Writer, tty, pooled bool) (transport.Result, error) {
	hs, err := prepare(c)
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
	withOutput := func(res transport.Result, err error) (transport.Result, error) {
		stdout.Flush()
		stderr.Flush()
		res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
		res.StdoutTruncated, res.StderrTruncated = stdout.Truncated(), stderr.Truncated()
		return res, err
	}
	if tty {
		return withOutput(h.runTTY(ctx, c, hs, out))
	}
	var prefix []string
	if c.Sudo != nil {
		prefix = hs.Sudo(c.Sudo.User, c.Sudo.Password)
	}
	line := hs.Line(prefix, c.Dir, c.Args, c.Script)
	own := hs.Stdout(out) // the command's output, without what the login shell printed first
	withOwn := func(res transport.Result, err error) (transport.Result, error) {
		_ = own.End()
		if res.LoginOutput == nil { // a command run by a helper has its helper's
			res.LoginOutput = loginOutput(own.Dropped(), hs.Early())
		}
		return withOutput(res, err)
	}
	if pooled && h.persistent() {
		res, err := h.runPersistent(ctx, line, hs, own, c.Sudo)
		if !errors.Is(err, errNoHelper) {
			return withOwn(res, err)
		}
	}
	cn, sess, stdin, err := h.start(ctx, line, outputTo(own, hs), false)
	if err != nil {
		return transport.Result{}, err
	}
	defer sess.Close()
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()
	return withOwn(h.finish(ctx, cn, sess, stdin, hs, c.Sudo, waited, func(err error) (transport.Result, error) {
		return h.result(cn, err, hs)
	}))
}

// finish feeds a started command its input through stdin (see
// shell.Handshake.Feed) and waits until waited says how its sessions
// (sess) ended, which result turns into the command's result, or cancels
// it when ctx is done first.
func (h *host) finish(ctx context.Context, cn *conn, sess io.Closer, stdin io.WriteCloser, hs *shell.Handshake, sudo *transport.Sudo, waited <-chan error, result func(error) (transport.Result, error)) (transport.Result, error) {
	if hs.HasInput() {
		fed := make(chan struct{})
		defer close(fed)
		go hs.Feed(stdin, fed)
	} else {
		stdin.Close()
	}
	select {
	case waitErr := <-waited:
		return result(waitErr)
	case <-ctx.Done():
		return transport.Result{ExitCode: -1}, h.cancel(cn, sess, hs, sudo, waited, ctx.Err())
	}
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

// start opens a session, has attach set where its output goes, and
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
func (h *host) start(ctx context.Context, line string, attach func(*ssh.Session) error, tty bool) (*conn, *ssh.Session, io.WriteCloser, error) {
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
			stdin, err := startIn(ctx, sess, line, attach, tty)
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

// startIn starts line in sess, whose output goes where attach sets it,
// on a terminal when tty is set (see rawTerminal), and returns the
// command's standard input. On failure it closes sess.
func startIn(ctx context.Context, sess *ssh.Session, line string, attach func(*ssh.Session) error, tty bool) (io.WriteCloser, error) {
	stdin, err := sess.StdinPipe()
	if err == nil {
		err = attach(sess)
	}
	if err == nil && tty {
		err = sess.RequestPty("dumb", 24, 80, rawTerminal)
	}
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

// loginOutput joins what a login printed before a command started, on
// standard output (stdout) and in lines on standard error (stderr), as
// transport.Result.LoginOutput holds it: nil when it printed nothing.
// Line ends around it are left out: the wrapper and the helper write one
// before their markers.
func loginOutput(stdout []byte, stderr []string) []byte {
	text := strings.Trim(string(stdout)+"\n"+strings.Join(stderr, "\n"), "\n")
	if text == "" {
		return nil
	}
	return []byte(text)
}

// outputTo returns the attach function (see start) that sends a session's
// output to stdout and its errors to stderr.
func outputTo(stdout, stderr io.Writer) func(*ssh.Session) error {
	return func(sess *ssh.Session) error {
		sess.Stdout, sess.Stderr = stdout, stderr
		return nil
	}
}

// prepare returns the handshake that feeds c.
func prepare(c transport.Command) (*shell.Handshake, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	hs := &shell.Handshake{Stdin: c.Stdin, PasswordRequired: transport.ErrSudoPasswordRequired}
	if len(c.Env) > 0 {
		block, err := shell.EnvBlock(c.Env)
		if err != nil {
			return nil, err
		}
		hs.Env = block
	}
	return hs, nil
}

package sshtransport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/internal/shell"
	"golang.org/x/crypto/ssh"
)

// Mode says how commands reach a host.
type Mode string

// The modes of running commands.
const (
	// SessionMode runs every command in an SSH session of its own: sshd
	// forks and starts the login shell for each.
	SessionMode Mode = "session"
	// PersistentMode runs commands through persistent helpers: perl
	// processes, each started once in a session of its own, that run one
	// command after another in subshells of a long-lived sh (see
	// shell.HelperLine), so that a command costs no new session and no
	// exec of sh. A host starts helpers as its commands call for them,
	// up to MaxSessions, and hands a helper freed by one command to the
	// next waiting, so that short commands run at once share a few
	// helpers while long ones get one each (see helperPool). Sudo
	// commands on a host where sudo runs only on a terminal, and the
	// commands that end cancelled ones, still take sessions of their own;
	// so do all commands of a host where no helper can start, which is
	// said once through Warn.
	PersistentMode Mode = "persistent"
)

// Modes lists the modes by name.
var Modes = []Mode{SessionMode, PersistentMode}

// helper is a persistent helper: one session on a connection, running
// one command at a time.
type helper struct {
	cn        *conn
	sess      *ssh.Session
	stdin     io.WriteCloser
	out, errs *shell.Marked // read straight from the session's streams
	ended     chan struct{} // closed once the session has ended
	closeOnce sync.Once
	reusable  atomic.Bool // the helper waits for a command: it has just started, or its last command left it so
	login     []byte      // what its login printed before it started (see transport.Result.LoginOutput)
}

// errNoHelper means that a persistent helper could not start on a
// connection that works: the host lacks something it needs.
var errNoHelper = errors.New("no persistent helper")

// persistent reports whether commands of the host go through persistent
// helpers.
func (h *host) persistent() bool {
	return h.cfg.Mode == PersistentMode && !h.noHelper.Load()
}

// startHelper starts a persistent helper and waits until it runs. When
// it cannot run on a connection that works, the host falls back to a
// session per command, which is said once through Config.Warn, and the
// error wraps errNoHelper.
func (h *host) startHelper(ctx context.Context) (*helper, error) {
	ready := shell.NewMarker()
	var outR, errR io.Reader
	attach := func(sess *ssh.Session) (err error) {
		if outR, err = sess.StdoutPipe(); err == nil {
			errR, err = sess.StderrPipe()
		}
		return err
	}
	cn, sess, stdin, err := h.start(ctx, shell.HelperLine(ready), attach, false)
	if err != nil {
		return nil, err
	}
	hp := &helper{cn: cn, sess: sess, stdin: stdin, out: shell.NewMarked(outR), errs: shell.NewMarked(errR), ended: make(chan struct{})}
	go func() {
		_ = sess.Wait()
		close(hp.ended)
	}()
	early := shell.StreamLines[transport.Stream](nil, transport.Stderr, maxTerminalOutput)
	started := make(chan error, 2)
	go func() {
		err := hp.errs.CopyUntil(ready, early)
		if err == nil {
			_, err = hp.errs.Line()
		}
		started <- err
	}()
	var status string
	greeting := shell.StreamLines[transport.Stream](nil, transport.Stdout, maxTerminalOutput)
	go func() {
		err := hp.out.CopyUntil(ready, greeting)
		if err == nil {
			status, err = hp.out.Line()
		}
		started <- err
	}()
	for range 2 {
		select {
		case e := <-started:
			err = errors.Join(err, e)
		case <-ctx.Done():
			hp.Close()
			return nil, h.errorf("start the persistent helper: %w", ctx.Err())
		}
	}
	if err == nil && strings.TrimSpace(status) == "ok" {
		early.Flush()
		greeting.Flush()
		hp.login = loginOutput(greeting.Bytes(), linesOf(early.Bytes()))
		hp.reusable.Store(true)
		return hp, nil
	}
	hp.Close()
	if cn.broken() {
		return nil, h.errorf("%w before the command started: the persistent helper ended as it started", transport.ErrConnectionLost)
	}
	why := strings.TrimSpace(status)
	if why == "" {
		early.Flush()
		why = fmt.Sprintf("%v; it printed %q", err, early.Bytes())
	}
	if !h.noHelper.Swap(true) && h.cfg.Warn != nil {
		h.cfg.Warn(fmt.Sprintf("no persistent helper can run on %s (%s); every command there runs in an SSH session of its own", h.cfg.name(), why))
	}
	return nil, errNoHelper
}

// Close ends the helper's session; a command it runs is lost.
func (hp *helper) Close() error {
	hp.closeOnce.Do(func() { hp.sess.Close() })
	return nil
}

// alive reports whether the helper may still run a command.
func (hp *helper) alive() bool {
	select {
	case <-hp.ended:
		return false
	default:
		return hp.cn.alive()
	}
}

// dropHelpers closes the idle helpers, freeing their sessions for
// commands that need sessions of their own.
func (h *host) dropHelpers() {
	h.pool.drop()
}

// helperInput is the standard input of a command in a helper: each write
// is a chunk (see shell.ChunkHeader), and Close ends it. Writes after
// Close fail.
type helperInput struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool // the input has ended, or the command has none
}

// errInputEnded means a write came after the command's input ended.
var errInputEnded = errors.New("the command's input has ended")

// Write sends p as one chunk.
func (in *helperInput) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return 0, errInputEnded
	}
	if _, err := in.w.Write(shell.ChunkHeader(len(p))); err != nil {
		return 0, err
	}
	return in.w.Write(p)
}

// Close ends the input, once.
func (in *helperInput) Close() error {
	_, err := in.end()
	return err
}

// end ends the input unless it has ended, and reports whether it had:
// whether all of it was sent.
func (in *helperInput) end() (bool, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return true, nil
	}
	in.closed = true
	_, err := in.w.Write(shell.ChunkHeader(0))
	return false, err
}

// runPersistent runs line, the command line of a command whose handshake
// is hs, in a persistent helper, its output going to out. It returns
// errNoHelper, having run nothing, when the host has no helper.
func (h *host) runPersistent(ctx context.Context, line string, hs *shell.Handshake, out io.Writer, sudo *transport.Sudo) (transport.Result, error) {
	// Connect first, as a session would: a host that cannot be reached
	// fails each command with the error of the dial it waited for.
	if _, err := h.connect(ctx); err != nil {
		return transport.Result{}, err
	}
	hp, err := h.pool.take(ctx)
	if err != nil {
		return transport.Result{}, err
	}
	hp.reusable.Store(false)
	mark := shell.NewMarker()
	input := hs.HasInput()
	if _, err := hp.stdin.Write(shell.CommandFrame(mark, line, input)); err != nil {
		h.pool.put(hp) // which closes it, as no command left it waiting
		return transport.Result{}, h.errorf("%w before the command started: %v", transport.ErrConnectionLost, err)
	}
	in := &helperInput{w: hp.stdin, closed: !input}
	var status string
	waited := make(chan error, 1)
	go func() {
		var err error
		status, err = hp.await(mark, out, hs, in)
		waited <- err
	}()
	res, err := h.finish(ctx, hp.cn, hp, in, hs, sudo, waited, func(err error) (transport.Result, error) {
		return h.helperResult(hp, status, err, hs)
	})
	res.LoginOutput = hp.login
	h.pool.put(hp)
	return res, err
}

// linesOf splits b into lines without their ends; nil when b holds no
// more than line ends.
func linesOf(b []byte) []string {
	text := strings.TrimRight(string(b), "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// await reads the command's output to out and its errors to stderr up to
// its end marker mark, ends its input then, and returns the exit status
// the helper reported. The helper may run the next command when all of
// the input had been sent by then, so that nothing it still copies can
// hold it up.
func (hp *helper) await(mark string, out, stderr io.Writer, in *helperInput) (string, error) {
	outEnded := make(chan error, 1)
	go func() { outEnded <- hp.out.CopyUntil(mark, out) }()
	err := hp.errs.CopyUntil(mark, stderr)
	var status string
	if err == nil {
		status, err = hp.errs.Line()
	}
	sent, _ := in.end()
	if err != nil {
		hp.Close()
		<-outEnded
		return "", err
	}
	if err := <-outEnded; err != nil {
		return "", err
	}
	if sent && !hp.out.Pending() && !hp.errs.Pending() {
		hp.reusable.Store(true)
	}
	return strings.TrimSpace(status), nil
}

// helperResult turns what await returned into a Result or an error.
func (h *host) helperResult(hp *helper, status string, err error, hs *shell.Handshake) (transport.Result, error) {
	if err != nil {
		if hp.cn.broken() {
			return transport.Result{ExitCode: -1}, h.errorf("%w while the command ran (it may or may not have finished): %v", transport.ErrConnectionLost, err)
		}
		return transport.Result{ExitCode: -1}, h.errorf("%w: the persistent helper running the command ended (it may or may not have finished): %v", transport.ErrConnectionLost, err)
	}
	if err := hs.Failure(); err != nil {
		return transport.Result{}, h.errorf("%w", err)
	}
	code, signal, err := shell.ParseStatus(status)
	if err != nil {
		return transport.Result{ExitCode: -1}, h.errorf("%w", err)
	}
	return transport.Result{ExitCode: code, Signal: signal}, nil
}

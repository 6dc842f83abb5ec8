package sshtransport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/internal/shell"
	"golang.org/x/crypto/ssh"
)

// rawTerminal is the mode of the terminal sudo gets on a host that needs
// one: nothing is echoed (the password least of all), no byte is taken
// for a signal, an end of file, a line edit or flow control, and output
// is not rewritten. Nothing is written to the terminal anyway: the
// command's streams are FIFOs (see shell.TTYLine).
var rawTerminal = ssh.TerminalModes{
	ssh.ECHO: 0, ssh.ECHOE: 0, ssh.ECHOK: 0, ssh.ECHONL: 0, ssh.ECHOCTL: 0, ssh.ECHOKE: 0,
	ssh.ICANON: 0, ssh.ISIG: 0, ssh.IEXTEN: 0,
	ssh.IXON: 0, ssh.IXOFF: 0, ssh.IXANY: 0, ssh.IMAXBEL: 0,
	ssh.ICRNL: 0, ssh.INLCR: 0, ssh.IGNCR: 0, ssh.ISTRIP: 0,
	ssh.OPOST: 0, ssh.ONLCR: 0, ssh.OCRNL: 0,
	ssh.CS8: 1, ssh.PARENB: 0,
	ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400,
}

// maxTerminalOutput bounds what is kept of the output of the session
// with a terminal after it named its FIFOs: only a failure to run sudo
// writes there.
const maxTerminalOutput = 4096

// needsTTY reports whether sudo on the host is known to run only on a
// terminal.
func (h *host) needsTTY() bool {
	return h.tty.Load()
}

// noteNeedsTTY remembers that sudo on the host runs only on a terminal
// and says so once, through Config.Warn.
func (h *host) noteNeedsTTY() {
	if h.tty.Swap(true) || h.cfg.Warn == nil {
		return
	}
	h.cfg.Warn(fmt.Sprintf("sudo on %s runs only on a terminal (sudoers requiretty); sudo commands get one, with echo off, and keep their output and errors apart", h.cfg.name()))
}

// runTTY runs c, whose handshake is hs, through sudo on a terminal, in
// two sessions (see shell.TTYLine): the one with the terminal runs sudo
// and gives the exit status; the other carries the command's input,
// output (to out) and errors, and the handshake. Cancelling ends the
// process group the wrapper reports, as for any command.
func (h *host) runTTY(ctx context.Context, c transport.Command, hs *shell.Handshake, out io.Writer) (transport.Result, error) {
	line, term := hs.TTYLine(hs.Sudo(c.Sudo.User, c.Sudo.Password), c.Dir, c.Args, c.Script)
	after := shell.StreamLines[transport.Stream](nil, transport.Stderr, maxTerminalOutput)
	term.Stderr = after
	cn, ttySess, _, err := h.start(ctx, line, outputTo(term, term), true)
	if err != nil {
		return transport.Result{}, err
	}
	defer ttySess.Close()
	ttyEnded := make(chan error, 1)
	go func() { ttyEnded <- ttySess.Wait() }()
	select {
	case <-term.Ready():
	case err := <-ttyEnded:
		return transport.Result{}, h.errorf("set up a terminal for sudo: %w", terminalFailure(err, term))
	case <-ctx.Done():
		return transport.Result{ExitCode: -1}, h.errorf("command cancelled before it started: %w", ctx.Err())
	}
	_, relay, stdin, err := h.start(ctx, shell.RelayLine(term.Dir()), outputTo(out, hs), false)
	if err != nil {
		return transport.Result{}, err
	}
	defer relay.Close()
	relayEnded := make(chan struct{})
	go func() {
		_ = relay.Wait()
		close(relayEnded)
	}()
	waited := make(chan error, 1)
	go func() {
		err := <-ttyEnded
		waitRelay(hs, relay, relayEnded)
		waited <- err
	}()
	res, err := h.finish(ctx, cn, sessions{ttySess, relay}, stdin, hs, c.Sudo, waited, func(err error) (transport.Result, error) {
		return h.result(cn, err, hs)
	})
	if err != nil && hs.Group() == "" {
		after.Flush()
		if printed := after.Bytes(); len(printed) > 0 {
			err = fmt.Errorf("%w (the terminal session printed %q)", err, printed)
		}
	}
	return res, err
}

// terminalFailure explains why the session with a terminal (term) ended,
// as err says, before it named its FIFOs.
func terminalFailure(err error, term *shell.Terminal) error {
	failure := term.Failure()
	switch {
	case failure == nil && err == nil:
		return errors.New("the session ended")
	case failure == nil:
		return err
	case err == nil:
		return failure
	}
	return fmt.Errorf("%w (%v)", failure, err)
}

// waitRelay waits, once sudo has ended, until the relay session has
// passed on the rest of the command's output and ended. A relay whose
// command never started (sudo ended before it opened the FIFOs) is
// closed after endGrace.
func waitRelay(hs *shell.Handshake, relay io.Closer, ended <-chan struct{}) {
	select {
	case <-ended:
		return
	case <-time.After(endGrace):
	}
	select {
	case <-hs.Ready():
	default:
		relay.Close()
	}
	<-ended
}

// sessions closes several sessions as one.
type sessions []*ssh.Session

// Close closes every session.
func (s sessions) Close() error {
	var errs []error
	for _, sess := range s {
		errs = append(errs, sess.Close())
	}
	return errors.Join(errs...)
}

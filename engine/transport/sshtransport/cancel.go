package sshtransport

import (
	"context"
	"io"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/internal/shell"
)

// Bounds on ending a cancelled command. None of them is reached when the
// host answers.
const (
	startGrace = 5 * time.Second  // for the wrapper to report its group
	killLimit  = 20 * time.Second // for the session that ends the group
	endGrace   = 5 * time.Second  // for the cancelled session to close
)

// killScript sends SIGTERM to the process group $1, waits up to two
// seconds for it to go, and then sends SIGKILL to what is left.
const killScript = `g=$1
kill -TERM -"$g" 2>/dev/null || exit 0
i=0
while [ $i -lt 20 ] && kill -0 -"$g" 2>/dev/null; do sleep 0.1; i=$((i+1)); done
kill -KILL -"$g" 2>/dev/null
exit 0`

// cancel ends a command whose context is done: it learns the process
// group the wrapper reported, ends that group from another session (as
// the same sudo user), waits briefly for the command to end, and closes
// the command's sessions (sess) when it has not, waiting briefly again.
// A persistent helper whose command ended with its group is not closed,
// and runs the next command.
func (h *host) cancel(cn *conn, sess io.Closer, hs *shell.Handshake, sudo *transport.Sudo, waited <-chan error, cause error) error {
	ended := false
	select {
	case <-hs.Ready():
	case <-waited:
		ended = true
	case <-time.After(startGrace):
	}
	group := hs.Group()
	var killErr error
	if group != "" && !ended {
		if killErr = h.killGroup(cn, group, sudo); killErr == nil {
			ended = endsWithin(waited, endGrace)
		}
	}
	if !ended {
		sess.Close()
		endsWithin(waited, endGrace)
	}
	switch {
	case killErr != nil:
		return h.errorf("command cancelled, but ending its remote process group %s failed (%v): %w", group, killErr, cause)
	case group == "":
		return h.errorf("command cancelled before it started: %w", cause)
	}
	return h.errorf("command cancelled; its remote process group %s was ended: %w", group, cause)
}

// endsWithin reports whether waited delivers within d.
func endsWithin(waited <-chan error, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-waited:
		return true
	case <-t.C:
		return false
	}
}

// killGroup ends the process group on the host through a new session on
// cn, one such session at a time.
func (h *host) killGroup(cn *conn, group string, sudo *transport.Sudo) error {
	ctx, cancel := context.WithTimeout(context.Background(), killLimit)
	defer cancel()
	select {
	case h.kill <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.kill }()
	_, err := h.runWith(ctx, transport.Command{Args: []string{"/bin/sh", "-c", killScript, "sh", group}, Sudo: sudo}, nil, noSlots, false)
	return err
}

package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
)

// newUnreachableError returns the error of an instance whose host (what
// is "host", or "peer NAME") could not be reached, as err, which wraps
// transport.ErrUnreachable, says. Its message says so once, then why,
// leaving out the words of err around the reason (what the module was
// doing, "ssh HOST: host unreachable"); it wraps ErrHostUnreachable too.
func newUnreachableError(what string, err error) error {
	msg := err.Error() // it says the host is unreachable once already
	if reason, ok := unreachableReason(err); ok {
		msg = what + " unreachable: " + reason.Error()
	}
	return transport.Reworded(msg, ErrHostUnreachable, err)
}

// newTimedOutError returns the error of an attempt that ran out of its
// timeout, of which err, the module's error, says "context deadline
// exceeded" at its end: the message says it once, as "timed out after".
func newTimedOutError(timeout time.Duration, err error) error {
	why := strings.TrimSuffix(strings.TrimSuffix(err.Error(), context.DeadlineExceeded.Error()), ": ")
	if why == "" {
		return transport.Reworded(fmt.Sprintf("timed out after %s", timeout), err)
	}
	return transport.Reworded(fmt.Sprintf("timed out after %s: %s", timeout, why), err)
}

// unreachableReason returns why err, which wraps transport.ErrUnreachable,
// says its host could not be reached: the error a transport wrapped beside
// it, as in fmt.Errorf("ssh %s: %w: %w", host, transport.ErrUnreachable,
// cause). It reports false when err wraps the sentinel alone.
func unreachableReason(err error) (error, bool) {
	switch e := err.(type) {
	case interface{ Unwrap() []error }:
		var others []error
		wrapsSentinel := false
		for _, x := range e.Unwrap() {
			switch {
			case x == transport.ErrUnreachable:
				wrapsSentinel = true
			case errors.Is(x, transport.ErrUnreachable):
				return unreachableReason(x)
			default:
				others = append(others, x)
			}
		}
		if wrapsSentinel && len(others) > 0 {
			return errors.Join(others...), true
		}
	case interface{ Unwrap() error }:
		return unreachableReason(e.Unwrap())
	}
	return nil, false
}

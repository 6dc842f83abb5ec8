package exec

import (
	"errors"

	"github.com/runbookhq/runbook/engine/transport"
)

// unreachableError is the error of an instance whose host, or a peer,
// could not be reached. Its message says so once, then why; it wraps
// ErrHostUnreachable and the transport's error, whose own words (what the
// module was doing, "ssh HOST: host unreachable") it leaves out.
type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string   { return e.msg }
func (e *unreachableError) Unwrap() []error { return []error{ErrHostUnreachable, e.err} }

// newUnreachableError returns the error of an instance whose host (what
// is "host", or "peer NAME") could not be reached, as err, which wraps
// transport.ErrUnreachable, says.
func newUnreachableError(what string, err error) error {
	reason, ok := unreachableReason(err)
	if !ok {
		return &unreachableError{msg: err.Error(), err: err} // it says what it says once already
	}
	return &unreachableError{msg: what + " unreachable: " + reason.Error(), err: err}
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

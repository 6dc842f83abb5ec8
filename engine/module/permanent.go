package module

import "errors"

// permanentError is an error that another attempt cannot mend.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent returns err marked as an error that running the module again
// cannot mend, such as a refusal to replace data it was not allowed to
// replace: a task's retries do not repeat a Run that returns it. The
// error says what err says, and errors.Is and errors.As see err through
// it. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was made
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

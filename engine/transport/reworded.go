package transport

// Reworded returns an error whose message is msg, which says what errs
// say in fewer words (leaving out what they repeat), and which wraps
// errs, so that errors.Is and errors.As still see them.
func Reworded(msg string, errs ...error) error {
	return &rewordedError{msg: msg, errs: errs}
}

// rewordedError is the error Reworded returns.
type rewordedError struct {
	msg  string
	errs []error
}

func (e *rewordedError) Error() string   { return e.msg }
func (e *rewordedError) Unwrap() []error { return e.errs }

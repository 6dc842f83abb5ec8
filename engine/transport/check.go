package transport

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine/transport/internal/shell"
)

// Validate reports whether c can be run as given: it has args or a
// script, no part of it holds a NUL byte, which no argument vector,
// environment or path can carry (OpenSSH drops the whole connection when
// an exec request holds one), and its sudo password is one line. Hosts call it before they send anything, so
// that such a command fails alone. The error never quotes a value.
func (c Command) Validate() error {
	if len(c.Args) == 0 && c.Script == "" {
		return errors.New("command has neither args nor script")
	}
	for i, a := range c.Args {
		if hasNUL(a) {
			return nulError(fmt.Sprintf("argument %d", i))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		switch {
		case hasNUL(k):
			return nulError("the name of an environment variable")
		case hasNUL(c.Env[k]):
			return nulError("environment variable " + k)
		}
	}
	switch {
	case hasNUL(c.Script):
		return nulError("the script")
	case hasNUL(c.Dir):
		return nulError("the working directory")
	}
	return c.Sudo.Validate()
}

// Validate reports whether s, which may be nil, can be given to sudo: its
// user holds no NUL byte, and its password no NUL, carriage return or
// newline. sudo reads the password up to the first of these and would
// leave the rest to the command, as its input. The error never quotes
// the password.
func (s *Sudo) Validate() error {
	switch {
	case s == nil:
		return nil
	case hasNUL(s.User):
		return nulError("the sudo user")
	case strings.ContainsAny(s.Password, "\x00\r\n"):
		return errors.New("the sudo password holds a NUL, carriage return or newline, after which sudo would stop reading it and leave the rest to the command")
	}
	return nil
}

// Validate reports whether f can be written: no part of it that names
// something on the host holds a NUL byte, and its sudo password is one
// line (see Command.Validate).
func (f File) Validate() error {
	switch {
	case hasNUL(f.Owner):
		return nulError("the owner")
	case hasNUL(f.Group):
		return nulError("the group")
	}
	if err := f.Sudo.Validate(); err != nil {
		return err
	}
	return ValidatePath(f.Path)
}

// ValidatePath reports whether path can name a file on a host: it must not
// hold a NUL byte.
func ValidatePath(path string) error {
	if hasNUL(path) {
		return nulError("the path")
	}
	return nil
}

// hasNUL reports whether s holds a NUL byte.
func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// nulError says that what holds a NUL byte.
func nulError(what string) error {
	return fmt.Errorf("%s holds a NUL byte, which no command line, environment or path can carry", what)
}

// UnexpectedAnswer is the error about out, what a host answered to a
// command that reads the state of something on it (what names it, such
// as "the state of the path"), when that is not such a state: it quotes
// out and says what usually causes it, a login shell that prints text of
// its own before every command.
func UnexpectedAnswer(what string, out []byte) error { return shell.UnexpectedAnswer(what, out) }

package engine

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Duration is the type of a module argument holding a length of time,
// written as time.ParseDuration reads it ("90s", "5m", "1h30m"), which must
// be positive. It is an ArgumentValidator: a value that is no positive
// duration is refused when the playbook loads if it is known then, and
// before the module runs otherwise.
type Duration string

// ValidateArgument reports an error unless d is a positive duration.
func (d Duration) ValidateArgument() error {
	_, err := parseDuration(string(d), false)
	return err
}

// Value returns the length of time d holds. It is for an argument that
// has passed ValidateArgument, as every argument of a module has before
// the engine runs it (and after CheckArguments when a program runs the
// module itself); Value panics when d is no positive duration.
func (d Duration) Value() time.Duration {
	v, err := parseDuration(string(d), false)
	if err != nil {
		panic("engine: Duration.Value of an unchecked argument: " + err.Error())
	}
	return v
}

// parseDuration reads s as time.ParseDuration does, refusing a negative
// length and, unless zeroOK, zero. It is the one reading of durations in
// playbooks: of module arguments (Duration) and of the meta-arguments
// delay and timeout.
func parseDuration(s string, zeroOK bool) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 || v == 0 && !zeroOK {
		return 0, fmt.Errorf("%q is not a positive duration such as \"30s\", \"5m\" or \"1h30m\"", s)
	}
	return v, nil
}

// ArgError is an error about the value of one argument of a module. The
// Validate and ValidateKnown methods of modules return one (see ArgErrorf)
// so that the engine reports the error at that argument in the playbook.
type ArgError struct {
	// Arg is the argument's name, as playbooks write it.
	Arg string
	// Err says what is wrong with its value.
	Err error
}

// Error names the argument and says what is wrong with it.
func (e *ArgError) Error() string { return fmt.Sprintf("argument %q: %v", e.Arg, e.Err) }

// Unwrap returns Err.
func (e *ArgError) Unwrap() error { return e.Err }

// ArgErrorf returns an *ArgError about the argument arg whose Err is
// formatted as fmt.Errorf formats it.
func ArgErrorf(arg, format string, a ...any) error {
	return &ArgError{Arg: arg, Err: fmt.Errorf(format, a...)}
}

// CheckArguments calls ValidateArgument on every argument of m, a pointer
// to a module struct, whose type implements ArgumentValidator, and returns
// the first error as an *ArgError. The engine does this itself; a module's
// Validate calls it so that a module run without the engine checks its
// arguments all the same.
func CheckArguments(m Module) error {
	rv := reflect.ValueOf(m).Elem()
	for i := range rv.NumField() {
		tag, ok := rv.Type().Field(i).Tag.Lookup("hcl")
		name, _, _ := strings.Cut(tag, ",")
		if !ok || name == "-" {
			continue
		}
		if err := validateValue(rv.Field(i)); err != nil {
			return &ArgError{Arg: name, Err: err}
		}
	}
	return nil
}

// validateValue calls ValidateArgument on the value of a module field when
// its type implements ArgumentValidator.
func validateValue(fv reflect.Value) error {
	if v, ok := fv.Addr().Interface().(ArgumentValidator); ok {
		return v.ValidateArgument()
	}
	return nil
}

// AllKnown reports that every argument is known. A module whose Validate
// shares its rules with ValidateKnown passes it: Validate() is then
// ValidateKnown(AllKnown).
func AllKnown(string) bool { return true }

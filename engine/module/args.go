package module

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
	_, err := d.parse()
	return err
}

// Value returns the length of time d holds. It is for an argument that
// has passed ValidateArgument, as every argument of a module has before
// the engine runs it (and after CheckArguments when a program runs the
// module itself); Value panics when d is no positive duration.
func (d Duration) Value() time.Duration {
	v, err := d.parse()
	if err != nil {
		panic("module: Duration.Value of an unchecked argument: " + err.Error())
	}
	return v
}

// parse reads d, refusing zero as ParseDuration refuses a negative length.
func (d Duration) parse() (time.Duration, error) {
	v, err := ParseDuration(string(d))
	if err == nil && v == 0 {
		err = notDuration(string(d))
	}
	return v, err
}

// ParseDuration reads s as time.ParseDuration does, refusing a negative
// length. It is the one reading of durations in playbooks: of module
// arguments (Duration, which refuses zero as well) and of the
// meta-arguments delay and timeout.
func ParseDuration(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, notDuration(s)
	}
	return v, nil
}

// notDuration is the error about s, which is no duration a playbook may
// give.
func notDuration(s string) error {
	return fmt.Errorf("%q is not a positive duration such as \"30s\", \"5m\" or \"1h30m\"", s)
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
		if err := CheckValue(rv.Field(i).Addr().Interface()); err != nil {
			return &ArgError{Arg: name, Err: err}
		}
	}
	return nil
}

// CheckValue calls ValidateArgument on the argument value that ptr points
// to when its type implements ArgumentValidator, and returns nil
// otherwise. The engine calls it on every argument it decodes.
func CheckValue(ptr any) error {
	if v, ok := ptr.(ArgumentValidator); ok {
		return v.ValidateArgument()
	}
	return nil
}

// AllKnown reports that every argument is known. A module whose Validate
// shares its rules with ValidateKnown passes it: Validate() is then
// ValidateKnown(AllKnown).
func AllKnown(string) bool { return true }

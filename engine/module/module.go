package module

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"
)

// Module is the Go type behind a task. A module is a struct whose fields,
// tagged `hcl:"name"` (or `hcl:"name,optional"`), are its arguments: the
// schema a task's body is checked against when the playbook loads, and the
// values it is decoded into when the task runs. A field may also carry a
// `doc:"…"` tag, a sentence shown by `runbook modules NAME`, and a
// `cmdline:"true"` tag when its value reaches the host as arguments of a
// process (which every user of the host can see in its process list):
// loading then warns of a sensitive value given to it. Defaults are the
// values the Info.New function puts in the struct before decoding.
// A field of type HostRef names another host the module works on, its
// peer (see HostRef and Env.Peer); a module reaches no other host.
//
// Run performs the task against env's host and reports what it changed and
// what it measured. A Run that fails returns its error with the Result it
// has so far: a module that changed something before it failed says so
// (see Result), and an error that another attempt cannot mend is made
// Permanent so that the task's retries do not repeat it.
type Module interface {
	Run(ctx context.Context, env *Env) (Result, error)
}

// Result is what a module's Run reports. When Run returns an error as
// well, the engine keeps both fields: the instance fails, and its event,
// the run's report and the recap say that it changed something when
// Changed is set, and show the outputs when there are some; later tasks
// see the outputs of a failed task as null, as they do for any failed
// task. A task that is retried reports a change when any attempt did, and
// a task's failed_when and changed_when, when set, decide failure and
// Changed for each attempt that gave outputs in place of the module.
type Result struct {
	// Changed reports whether the task changed anything on the host.
	Changed bool
	// Outputs is a value of the module's outputs type (Info.Outputs),
	// or nil for a module with no outputs. Later tasks read its fields by
	// their `cty:"name"` tags.
	Outputs any
	// Diffs are the changes the module made, or in check mode would make,
	// to files, when Env.Diff asks for them; see FileDiff.
	Diffs []FileDiff
}

// Info describes a module to the registry.
type Info struct {
	// Name is the module's name as playbooks write it: task "NAME" "…".
	// It is lowercase letters, digits and underscores.
	Name string
	// Doc is a short description, in full sentences.
	Doc string
	// New returns a pointer to a new module struct holding the defaults of
	// its optional arguments.
	New func() Module
	// Outputs is a zero value of the module's outputs struct, whose fields
	// carry `cty:"name"` tags (and optionally `doc:"…"` and
	// `sensitive:"true"`). It fixes the types that references to the
	// task's outputs are checked against before anything runs. Nil means
	// the module has no outputs.
	Outputs any
}

// Optional abilities of a module. Each is a one-method interface that a
// module implements only when it has something to say.

// Validator is implemented by modules whose arguments have rules beyond
// their types (e.g. exactly one of two arguments). Validate is called after
// decoding, before Run, and when the playbook loads if every argument of
// the task is known then. An error that is about one argument should be an
// *ArgError (see ArgErrorf), so that it is reported at that argument.
type Validator interface {
	Validate() error
}

// PartialValidator is implemented by modules whose rules can be checked on
// some of their arguments while others are still unknown, because they
// depend on the outputs of tasks that have not run. Implement it when a
// playbook may well compute one argument from another task's outputs and
// give the others as constants or variables: a wrong constant is then
// refused when the playbook loads instead of when the task runs, after
// the tasks before it have changed the hosts.
//
// When the playbook loads and some argument of a task instance is unknown,
// the engine decodes the known ones (the others keep the defaults of
// Info.New) and calls ValidateKnown with known, which reports
// whether the argument of that name holds its final value; an argument
// the task does not set is known. The module checks every rule whose
// inputs are all known and skips the others. When every argument is known,
// Validate is called instead, and before Run it always is.
type PartialValidator interface {
	ValidateKnown(known func(arg string) bool) error
}

// ArgumentValidator is implemented by the types of module arguments whose
// values have rules of their own, such as Duration. The engine calls
// ValidateArgument on the decoded value of every argument of such a type
// as soon as the value is known: when the playbook loads if it is known
// then, else when the task's arguments are decoded to run it. The error is
// reported at the argument, naming the task and the argument.
type ArgumentValidator interface {
	ValidateArgument() error
}

// Describer is implemented by modules that can say, from their decoded
// arguments alone, what they would do; plan shows the sentence.
type Describer interface {
	Describe() string
}

// Repeatable is implemented by modules that know whether running them a
// second time after an interrupted first run is safe. Resume re-runs an
// instance that was cut off mid-way only when its module reports true.
type Repeatable interface {
	SafeToRepeat() bool
}

// Detachable is implemented by modules that can run their work as a
// detached job (see Env.Detached), such as command and shell. A task of
// such a module may set detach = true; Env.Detach then carries its
// options, and the module runs through Env.Detached what it would
// otherwise run through Env.Host. Implement it when the module's work is
// one long command whose output is its result.
type Detachable interface {
	Detachable()
}

var registry = struct {
	sync.RWMutex
	modules map[string]Info
}{modules: map[string]Info{}}

// Register adds a module to the registry. It is meant to be called from
// an init function and panics, as database/sql.Register does, when the
// name is taken or the info is incomplete: both are programming errors.
func Register(info Info) {
	if info.Name == "" || info.New == nil {
		panic("module: Register needs a Name and a New function")
	}
	if m := info.New(); m == nil || reflect.TypeOf(m).Kind() != reflect.Pointer || reflect.TypeOf(m).Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("module: %q: New must return a pointer to a struct", info.Name))
	}
	if info.Outputs != nil && reflect.TypeOf(info.Outputs).Kind() != reflect.Struct {
		panic(fmt.Sprintf("module: %q: Outputs must be a struct value", info.Name))
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.modules[info.Name]; dup {
		panic(fmt.Sprintf("module: %q registered twice", info.Name))
	}
	registry.modules[info.Name] = info
}

// Lookup returns the registered module with the given name.
func Lookup(name string) (Info, bool) {
	registry.RLock()
	defer registry.RUnlock()
	info, ok := registry.modules[name]
	return info, ok
}

// All returns every registered module, sorted by name.
func All() []Info {
	registry.RLock()
	defer registry.RUnlock()
	list := make([]Info, 0, len(registry.modules))
	for _, info := range registry.modules {
		list = append(list, info)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

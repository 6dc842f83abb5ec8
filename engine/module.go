package engine

import (
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/transport"
)

// The module contract lives in package module; these names keep code
// written against engine compiling. Each is the name of module it stands
// for, documented there.
type (
	// Module is module.Module.
	Module = module.Module
	// Result is module.Result.
	Result = module.Result
	// ModuleInfo is module.Info.
	ModuleInfo = module.Info
	// Env is module.Env.
	Env = module.Env
	// Validator is module.Validator.
	Validator = module.Validator
	// PartialValidator is module.PartialValidator.
	PartialValidator = module.PartialValidator
	// ArgumentValidator is module.ArgumentValidator.
	ArgumentValidator = module.ArgumentValidator
	// Describer is module.Describer.
	Describer = module.Describer
	// Repeatable is module.Repeatable.
	Repeatable = module.Repeatable
	// Checker is module.Checker, the ability of check mode.
	Checker = module.Checker
	// FileDiff is module.FileDiff.
	FileDiff = module.FileDiff
	// Attribute is module.Attribute.
	Attribute = module.Attribute
	// Duration is module.Duration.
	Duration = module.Duration
	// ArgError is module.ArgError.
	ArgError = module.ArgError
	// HostRef is module.HostRef, the type of a module argument that
	// names another host.
	HostRef = module.HostRef
	// Detachable is module.Detachable.
	Detachable = module.Detachable
	// JobOptions is module.JobOptions.
	JobOptions = module.JobOptions
	// JobResult is module.JobResult.
	JobResult = module.JobResult
)

// ErrNotPeer is module.ErrNotPeer.
var ErrNotPeer = module.ErrNotPeer

// The errors of Env.Detached.
var (
	// ErrJobDetached is module.ErrJobDetached.
	ErrJobDetached = module.ErrJobDetached
	// ErrJobLost is module.ErrJobLost.
	ErrJobLost = module.ErrJobLost
)

// ErrCannotPredict is module.ErrCannotPredict.
var ErrCannotPredict = module.ErrCannotPredict

// RegisterModule adds a module to the registry (see module.Register).
func RegisterModule(info ModuleInfo) { module.Register(info) }

// LookupModule returns the registered module with the given name (see
// module.Lookup).
func LookupModule(name string) (ModuleInfo, bool) { return module.Lookup(name) }

// Modules returns every registered module, sorted by name (see
// module.All).
func Modules() []ModuleInfo { return module.All() }

// NewEnv returns an Env for code that runs modules outside the engine (see
// module.NewEnv).
func NewEnv(host transport.Host, hostName, task string, peers map[string]transport.Host, progress func(string)) *Env {
	return module.NewEnv(host, hostName, task, peers, progress)
}

// ArgErrorf returns an *ArgError about the argument arg (see
// module.ArgErrorf).
func ArgErrorf(arg, format string, a ...any) error { return module.ArgErrorf(arg, format, a...) }

// CheckArguments calls ValidateArgument on every argument of m that has a
// rule of its own (see module.CheckArguments).
func CheckArguments(m Module) error { return module.CheckArguments(m) }

// AllKnown reports that every argument is known (see module.AllKnown).
func AllKnown(arg string) bool { return module.AllKnown(arg) }

// Permanent marks err as an error that another attempt cannot mend (see
// module.Permanent).
func Permanent(err error) error { return module.Permanent(err) }

package config

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/lang"
)

// MetaKind says when the compiler or the executor evaluates a
// meta-argument, and how the compiler checks it against each instance.
type MetaKind int

// The kinds of meta-arguments.
const (
	// MetaStructure is read by the compiler to build instances and
	// edges (on, for_each, depends_on, on_change), to select them (tags)
	// or to bound them together (throttle, batch, max_failures), which
	// reads its references itself.
	MetaStructure MetaKind = iota
	// MetaLoad is evaluated for each instance when the playbook compiles
	// (retries, delay, timeout, output_limit, ignore_errors, sudo,
	// sudo_user, detach, poll).
	MetaLoad
	// MetaCondition is a bool over what a module argument sees, left for
	// run time (when).
	MetaCondition
	// MetaResultCondition is a bool over the outputs of the attempt that
	// just ended as well, as result, left for run time (failed_when,
	// changed_when, until).
	MetaResultCondition
	// MetaConfirm is the confirm sentence: evaluated when the playbook
	// compiles, or left for run time when it reads task outputs.
	MetaConfirm
)

// MetaArg is one meta-argument of a task, a row of MetaArgs.
type MetaArg struct {
	// Name is the meta-argument's name in a task block.
	Name string
	// Refs is what its expression may refer to, or nil for a
	// MetaStructure one.
	Refs *lang.Scope
	// Kind says when it is evaluated and how it is checked.
	Kind MetaKind
}

// MetaArgs are the meta-arguments of a task, in the order the language
// reference lists them. They are split off the task body before the rest
// is checked against the module's schema, so a module argument with one of
// these names can never be set. A new meta-argument is a row here and the
// place where the compiler or the executor uses its value.
var MetaArgs = []MetaArg{
	{"on", nil, MetaStructure},
	{"for_each", nil, MetaStructure},
	{"depends_on", nil, MetaStructure},
	{"on_change", nil, MetaStructure},
	{"tags", nil, MetaStructure},
	{"throttle", nil, MetaStructure},
	{"batch", nil, MetaStructure},
	{"max_failures", nil, MetaStructure},
	{"when", &lang.ScopeBody, MetaCondition},
	{"retries", &lang.ScopeMeta, MetaLoad},
	{"delay", &lang.ScopeMeta, MetaLoad},
	{"failed_when", &lang.ScopeResult, MetaResultCondition},
	{"changed_when", &lang.ScopeResult, MetaResultCondition},
	{"until", &lang.ScopeResult, MetaResultCondition},
	{"timeout", &lang.ScopeMeta, MetaLoad},
	{"output_limit", &lang.ScopeMeta, MetaLoad},
	{"ignore_errors", &lang.ScopeMeta, MetaLoad},
	{"sudo", &lang.ScopeMeta, MetaLoad},
	{"detach", &lang.ScopeMeta, MetaLoad},
	{"poll", &lang.ScopeMeta, MetaLoad},
	{"sudo_user", &lang.ScopeMeta, MetaLoad},
	{"confirm", &lang.ScopeBody, MetaConfirm},
}

// Meta holds the meta-arguments a task sets, by name.
type Meta map[string]*hcl.Attribute

// Get returns the meta-argument called name, nil when the task does not
// set it. It panics when name is not in MetaArgs, which is a mistake of
// the program, not of the playbook.
func (m Meta) Get(name string) *hcl.Attribute {
	if !IsMetaArg(name) {
		panic("config: no meta-argument named " + name)
	}
	return m[name]
}

// SetsAny reports whether m sets a meta-argument of one of kinds.
func (m Meta) SetsAny(kinds ...MetaKind) bool {
	return slices.ContainsFunc(MetaArgs, func(ma MetaArg) bool { return m[ma.Name] != nil && slices.Contains(kinds, ma.Kind) })
}

// IsMetaArg reports whether name is a meta-argument.
func IsMetaArg(name string) bool {
	return slices.ContainsFunc(MetaArgs, func(ma MetaArg) bool { return ma.Name == name })
}

// MetaArgNames returns the names of the meta-arguments of the given kinds,
// or of all when no kind is given, in table order.
func MetaArgNames(kinds ...MetaKind) []string {
	var names []string
	for _, ma := range MetaArgs {
		if len(kinds) == 0 || slices.Contains(kinds, ma.Kind) {
			names = append(names, ma.Name)
		}
	}
	return names
}

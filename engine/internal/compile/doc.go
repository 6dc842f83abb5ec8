// Package compile turns a playbook's files into a Program: the immutable
// result of loading, which the executor runs and the engine plans.
//
// It owns every phase before a run that evaluates or binds. From the
// blocks package config decodes, it finds each task's module and checks the
// task's arguments against the module's schema, resolves the variables
// (defaults, environment, var files, -var flags), evaluates the local
// values and host blocks in dependency order, expands each task into one
// instance per host with its peers and its meta-arguments evaluated (the
// tasks of roles too, each role a scope of its own whose var, local, task
// and role name its own blocks, with its inputs evaluated where it is
// used), splits the hosts of a task or role with batch into batches
// ordered by wait edges,
// builds and checks the graph of the instances, and type-checks every
// instance with the outputs of other tasks unknown. Plan, the DOT graph,
// the journal key and fingerprints and the --limit resolver are queries of
// a Program and live here too.
//
// What the executor needs it sees through a narrow face (runtime.go):
// read-only views of hosts and instances, and a Scope that evaluates what
// was left for run time (when, failed_when, changed_when, until, a
// confirm that reads task outputs, the module body). The executor never
// touches an hcl.Attribute or the loader's state.
package compile

// Package engine turns HCL playbooks into a graph of typed tasks and runs
// that graph, as parallel as it allows, across every host of an inventory.
//
// The flow of a run is load (parse every file, decode blocks against
// explicit schemas, evaluate nothing), variables (defaults, environment, var
// files and -var flags, in that order of precedence), graph (edges from the
// references each expression makes and from depends_on), plan or validate
// (evaluation with unknown values of the declared output types, no
// connection), and walk (a ready-queue scheduler bounded by a global and a
// per-host limit). Every state change is an Event delivered to subscribers;
// the engine prints nothing itself. A transport's warnings about its host
// (HostConfig.Warn) are events too, of kind EventHostWarning.
//
// Modules are Go types registered with RegisterModule; the module
// contract (Module, Result, Env, the optional abilities, the registry) is
// package module, whose names this package re-exports. Hosts are reached
// through the transport.Host interface. A module that works between two
// hosts names the other in a HostRef argument, which makes that host part
// of the instance, and reaches it through Env.Peer. A run may be recorded in a
// journal (package journal, RunOptions.Journal) and a later run may resume
// it (RunOptions.Resume): what succeeded is restored, not run again. A
// long step runs as a detached job on its host (Env.Detached, or detach =
// true on command and shell), which outlives the connection and the run:
// the journal records it before it starts, and a resumed run re-attaches
// to it instead of starting it again.
//
// This package is a thin facade. The work is done by its internal
// packages, one per phase, each depending only on those before it:
// internal/lang (references, functions, evaluation, sensitive marks),
// internal/compile (files to an immutable Program) and internal/exec (runs
// a Program). The names of their public types are re-exported here as
// aliases, so that code written against engine keeps compiling.
//
// The playbook language is described in LANGUAGE.md beside this file.
package engine

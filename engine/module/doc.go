// Package module is the contract between runbook's engine and its modules,
// and knows nothing else of the engine: the Module interface and its
// Result, the optional abilities a module may implement (Validator,
// PartialValidator, Describer, Repeatable, Checker, and ArgumentValidator
// for the types of arguments, and Detachable for modules whose work can
// run as a detached job), the Env a running module sees (its host, its
// peers, its progress messages, and Env.Detached and Env.PeerDetached,
// which run a long command as a job, on its host or a peer, that outlives
// the connection and runbook, re-attached to by a resumed run: see
// JobKeeper for what an executor provides), the
// argument types the engine gives meaning to (HostRef, Duration), the
// errors a module returns (ArgError, Permanent, ErrCannotPredict), the
// diffs of the files it changes (FileDiff), the registry that playbooks
// find modules in by name, and the Schema that a module's Go types imply,
// from which the engine checks and decodes task bodies and the module
// reference is written.
//
// Package engine re-exports every name here under its older spelling
// (engine.Module, engine.ModuleInfo, engine.RegisterModule, …), so code
// written against engine keeps compiling.
package module

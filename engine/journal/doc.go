// Package journal keeps the record of a run on disk, so that a later run
// can resume it: for each task instance, when its module started, how it
// ended and its outputs, and for the run, what it ran (the playbook's
// fingerprint, its hosts, hashes of its variables' values) and whether it
// ended or was interrupted.
//
// A journal is one JSON file per playbook and inventory, holding the last
// run only. Every write replaces the whole file atomically (a temporary
// file, fsync, rename, fsync of the directory), so a crash at any moment
// leaves either the previous content or the new one, never a torn file.
// Writes are group-committed: changes made while a write is in progress
// share the next one. A caller that must know a change is on disk before
// it goes on (the engine, before it starts a module that is not safe to
// repeat) waits for it with Put's durable argument.
//
// The package knows nothing of playbooks: the engine fills the records
// (see engine.RunOptions.Journal) and decides what a resumed run does with
// them. Only one process at a time may hold a journal: Open takes an
// exclusive lock on a KEY.lock file beside the journal's KEY.json.
package journal

// Package journal keeps the record of a run on disk, so that a later run
// can resume it: for each task instance, when its module started, how it
// ended and its outputs, and for the run, what it ran (the playbook's
// fingerprint, its hosts, hashes of its variables' values) and whether it
// ended or was interrupted.
//
// A journal is one file per playbook and inventory, holding the last run
// only, in JSON lines. Its first line is the run as it began; each later
// line is a record appended as the run goes, which replaces the record of
// the same instance before it, so that the cost of a record does not grow
// with the run. Appends are group-committed: records put while an append
// is being synced share the next append and its sync. A caller that must
// know a record is on disk before it goes on (the engine, before it starts
// a module that is not safe to repeat) waits for it with Put's durable
// argument. When the run ends, the file is compacted: replaced atomically
// (a temporary file, fsync, rename, fsync of the directory) by one line
// holding the run and all its records. A run that crashed left the lines
// it appended; the next Open reads them, leaves out a last line the crash
// cut short (its record was never reported on disk), and compacts the
// file.
//
// The package knows nothing of playbooks: the engine fills the records
// (see engine.RunOptions.Journal) and decides what a resumed run does with
// them. Only one process at a time may hold a journal: Open takes an
// exclusive lock on a KEY.lock file beside the journal's KEY.json.
package journal

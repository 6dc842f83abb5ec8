// Package exec runs a compiled Program: it owns everything that happens
// once a run starts, and the vocabulary a run speaks (RunOptions, Event,
// Status, Report, the sentinel errors), which package engine re-exports.
//
// It owns:
//   - the start of each batch of a rolling update, which does not start
//     once more hosts failed in the batches before than max_failures
//     allows (run.go);
//   - the walk's callbacks: an instance's on_change and when, its
//     confirmation, its attempts with retries, delay, failed_when,
//     changed_when and until, each evaluated through compile.Scope
//     (run.go, instance_run.go);
//   - the connections to hosts, made on first use, and which hosts proved
//     unreachable (conns.go);
//   - the transport a module sees, which applies the task's sudo, keeps
//     scripts that hold secrets off the command line and turns output
//     lines into events (hostwrap.go, secretscript.go);
//   - the event bus and its subscribers' queues (bus.go, event.go);
//   - journaling a run and resuming one (journaling.go, resume.go);
//   - the detached jobs of modules (Env.Detached): journaled, re-attached
//     to on resume, swept, killed at the operator's word (jobs.go);
//   - single instances run one at a time for an executor that walks the
//     graph elsewhere (Steps, step.go), through the same code as a run.

//   - check mode, in which modules check instead of running and the
//     outputs of what would change are unknown, and the diffs of files
//     that modules report, made safe to show (check.go).
//
// Its parts point one way only: the runner holds the connections and the
// hostRun its transports share; a connection reports through the bus it
// was given and knows nothing of the runner; a taskHost reaches the bus,
// the redactor and the connections through hostRun, never the runner.
// Resume reads what a Program shows every executor (Instance.Reads,
// RestoredOutputs), not the graph builder's private views.
package exec

// Package temporal runs playbooks on Temporal (temporal.io): a second
// executor behind the same compiled program, for runs that outgrow one
// control node. The walk of the graph is a Temporal workflow and each
// task instance an activity, run by a worker (see NewWorker) that holds
// the SSH connections to its hosts; the workflow's history is the run's
// journal, and its task queues route each host's instances to the
// workers of the host's network.
//
// It is a package of its own so that importing engine does not link the
// Temporal SDK. Its parts:
//   - the source of a run, carried in the workflow's input, from which
//     every worker compiles the same program (source.go);
//   - the walk, deterministic workflow code (workflow.go);
//   - the step, one instance run by package exec's Steps (activity.go);
//   - the codec that encrypts every payload before it reaches the
//     server, so that secrets never rest in its history (codec.go);
//   - the client side: starting a run and following it with the same
//     events a single-process run emits (client.go), and the workers
//     (worker.go).
package temporal

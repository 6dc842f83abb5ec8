package exec

import (
	"time"

	"github.com/runbookhq/runbook/engine/module"
)

// Status is how a task instance ended.
type Status string

// The ways a task instance can end.
const (
	StatusOK        Status = "ok"        // ran and changed nothing
	StatusChanged   Status = "changed"   // ran and changed something
	StatusFailed    Status = "failed"    // ran and failed, or could not run
	StatusSkipped   Status = "skipped"   // did not run: its when was false, or something it needs failed
	StatusCancelled Status = "cancelled" // did not finish: the run was interrupted or stopped at a failure
	// StatusCannotPredict is an instance of a check-mode run that did
	// not run because what it would change cannot be predicted: its
	// module has no Check, its Check cannot tell, or its arguments or its
	// when depend on outputs that are known only after a run.
	StatusCannotPredict Status = "cannot_predict"
)

// The reasons an instance was skipped without an error, in Event.Reason
// and InstanceResult.Reason.
const (
	ReasonNothingChanged = "nothing changed"        // none of the instances of its on_change changed anything
	ReasonNotSelected    = "not selected by --tags" // RunOptions.Tags or SkipTags leave its task out
	// ReasonBatchStopped: more hosts failed in the earlier batches of its
	// task or role than max_failures allows, so its batch did not start.
	ReasonBatchStopped = "not started, too many hosts failed in the earlier batches"
)

// EventKind names what an Event reports.
type EventKind string

// The kinds of events a run emits, in the order they can appear.
const (
	EventRunStarted      EventKind = "run_started"      // the walk begins; Total is the number of instances; Check in check mode
	EventTaskStarted     EventKind = "task_started"     // an instance began (Attempt 1)
	EventOutput          EventKind = "output"           // a line of a command's output (Stream, Line)
	EventProgress        EventKind = "progress"         // a module's progress message (Line)
	EventRetry           EventKind = "retry"            // an attempt failed or did not meet until; another follows (Attempt, Error)
	EventTaskFinished    EventKind = "task_finished"    // an instance ended (Status, Duration, Error, Outputs; Changed when it failed after a change; Restored when a resumed run took it from the journal; Reason when it was skipped for one)
	EventHostWarning     EventKind = "host_warning"     // the transport of a host warned the operator, such as of a host key it did not check (Line)
	EventHostUnreachable EventKind = "host_unreachable" // a host could not be reached; its remaining instances are skipped
	EventRunFinished     EventKind = "run_finished"     // the walk ended (Duration; Error when interrupted)
)

// StreamJob is the Stream of an output event that carries a line of a
// detached job's log (its standard output and error together, see
// Env.Detached), which views show as it comes: a job runs long, and its
// log is how the operator watches it. Other output lines carry "stdout"
// or "stderr".
const StreamJob = "job"

// Event is one state change of a run. Every field that does not apply to the
// Kind is its zero value. Sensitive values never appear in an event: outputs
// marked sensitive are replaced by "(sensitive)", and lines of output that
// contain a sensitive value are redacted. Host is the host of the instance,
// or the host a host event is about; On, set only on output events, names
// the peer a line came from when the instance's module ran the command on a
// peer (see HostRef). Key is the instance's key when its task has for_each.
// Reason, set only on task_finished events of skipped instances, says why an
// instance was skipped without an error (ReasonNothingChanged). Check is set
// on the run_started and task_finished events of a check-mode run, whose
// changed status means "would change". Diffs, on task_finished events of a
// run with RunOptions.Diff, are the changes its module made, or would make,
// to files; sensitive content is never in them (see module.FileDiff).
type Event struct {
	Seq      uint64            `json:"seq"`
	Time     time.Time         `json:"time"`
	Kind     EventKind         `json:"kind"`
	Task     string            `json:"task,omitempty"`
	Module   string            `json:"module,omitempty"`
	Host     string            `json:"host,omitempty"`
	Key      string            `json:"key,omitempty"`
	On       string            `json:"on,omitempty"`
	Attempt  int               `json:"attempt,omitempty"`
	Stream   string            `json:"stream,omitempty"`
	Line     string            `json:"line,omitempty"`
	Status   Status            `json:"status,omitempty"`
	Changed  bool              `json:"changed,omitempty"`
	Duration time.Duration     `json:"duration_ns,omitempty"`
	Error    string            `json:"error,omitempty"`
	Outputs  map[string]any    `json:"outputs,omitempty"`
	Total    int               `json:"total,omitempty"`
	Restored bool              `json:"restored,omitempty"`
	Reason   string            `json:"reason,omitempty"`
	Check    bool              `json:"check,omitempty"`
	Diffs    []module.FileDiff `json:"diff,omitempty"`
}

// Subscriber receives the events of a run, one at a time and in order.
// Subscribers are called from a goroutine of their own, never from the walk,
// each with a bounded queue of its own: a slow subscriber delays only itself
// until its queue is full, and then the instances whose commands print,
// which wait (and their remote processes with them) until it catches up.
// No event is ever dropped.
type Subscriber interface {
	Event(Event)
}

// Flusher is implemented by a Subscriber that buffers what it writes, such
// as a stream of JSON lines: the run calls Flush after each batch of events
// it has handed to Event (a few hundred at most, or as many as were queued),
// and after the last one, so that it can write in batches and yet never
// keep an event to itself while the run waits.
type Flusher interface {
	Flush()
}

// SubscriberFunc adapts a function to the Subscriber interface.
type SubscriberFunc func(Event)

// Event calls f(e).
func (f SubscriberFunc) Event(e Event) { f(e) }

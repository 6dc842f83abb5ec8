package engine

import (
	"context"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/exec"
)

// The vocabulary of a run is defined by the executor; these names keep it
// part of the engine's public face. Each is documented where it is
// defined, in package exec.
type (
	// RunOptions steer a Run.
	RunOptions = exec.RunOptions
	// Report is the outcome of a run.
	Report = exec.Report
	// InstanceResult is how one task instance ended.
	InstanceResult = exec.InstanceResult
	// Status is how a task instance ended.
	Status = exec.Status
	// EventKind names what an Event reports.
	EventKind = exec.EventKind
	// Event is one state change of a run.
	Event = exec.Event
	// Subscriber receives the events of a run, one at a time and in order.
	Subscriber = exec.Subscriber
	// Flusher is implemented by a Subscriber that buffers what it writes.
	Flusher = exec.Flusher
	// SubscriberFunc adapts a function to the Subscriber interface.
	SubscriberFunc = exec.SubscriberFunc
	// ResumeChangedError is the error of a Run told to resume a run whose
	// playbook or variables have changed since.
	ResumeChangedError = exec.ResumeChangedError
	// UnsafeResumeError is the error of a Run told to resume when some
	// instances can be neither restored nor safely run again.
	UnsafeResumeError = exec.UnsafeResumeError
	// UnsafeInstance is an instance that a resumed run can neither
	// restore nor safely run again.
	UnsafeInstance = exec.UnsafeInstance
	// DetachedJob is a detached job that a run left running on its host.
	DetachedJob = exec.DetachedJob
	// AbandonedJob is a detached job that a run gave up when it began
	// (RunOptions.AbandonJobs).
	AbandonedJob = exec.AbandonedJob
	// JobsLeftError is the error of a run that would start over while
	// the last one left detached jobs that may still run.
	JobsLeftError = exec.JobsLeftError
	// JobsLeft is an instance of JobsLeftError: one whose detached jobs
	// may still run.
	JobsLeft = exec.JobsLeft
)

// Defaults of RunOptions.
const (
	// DefaultParallel is the global limit on running instances used when
	// RunOptions.Parallel is zero.
	DefaultParallel = exec.DefaultParallel
	// DefaultPerHost is the per-host limit used when RunOptions.PerHost is
	// zero.
	DefaultPerHost = exec.DefaultPerHost
	// DefaultOutputLimit is how many bytes of each output stream of a
	// command a run keeps when RunOptions.OutputLimit is zero.
	DefaultOutputLimit = exec.DefaultOutputLimit
	// DefaultJobMaxAge is how old the files of a finished detached job
	// may grow on its host when RunOptions.JobMaxAge is zero.
	DefaultJobMaxAge = exec.DefaultJobMaxAge
)

// The ways a task instance can end.
const (
	StatusOK            = exec.StatusOK            // ran and changed nothing
	StatusChanged       = exec.StatusChanged       // ran and changed something
	StatusFailed        = exec.StatusFailed        // ran and failed, or could not run
	StatusSkipped       = exec.StatusSkipped       // did not run: its when was false, or something it needs failed
	StatusCancelled     = exec.StatusCancelled     // did not finish: the run was interrupted or stopped at a failure
	StatusCannotPredict = exec.StatusCannotPredict // check mode: what it would change cannot be predicted, so it did not run
)

// The reasons an instance was skipped without an error.
const (
	ReasonNothingChanged = exec.ReasonNothingChanged // none of the instances of its on_change changed anything
	ReasonNotSelected    = exec.ReasonNotSelected    // RunOptions.Tags or SkipTags leave its task out
	ReasonBatchStopped   = exec.ReasonBatchStopped   // too many hosts failed in the earlier batches of its task or role
)

// The kinds of events a run emits, in the order they can appear.
const (
	EventRunStarted      = exec.EventRunStarted      // the walk begins; Total is the number of instances
	EventTaskStarted     = exec.EventTaskStarted     // an instance began (Attempt 1)
	EventOutput          = exec.EventOutput          // a line of a command's output (Stream, Line)
	EventProgress        = exec.EventProgress        // a module's progress message (Line)
	EventRetry           = exec.EventRetry           // an attempt failed or did not meet until; another follows (Attempt, Error)
	EventTaskFinished    = exec.EventTaskFinished    // an instance ended (Status, Duration, Error, Outputs; Changed when it failed after a change; Restored when a resumed run took it from the journal)
	EventHostWarning     = exec.EventHostWarning     // the transport of a host warned the operator (Line)
	EventHostUnreachable = exec.EventHostUnreachable // a host could not be reached; its remaining instances are skipped
	EventRunFinished     = exec.EventRunFinished     // the walk ended (Duration; Error when interrupted)
)

// StreamJob is the Stream of an output event that carries a line of a
// detached job's log (see exec.StreamJob).
const StreamJob = exec.StreamJob

// Sentinel errors that callers of Run test for with errors.Is; each is
// the executor's own value, documented in package exec.
var (
	// ErrTaskFailed is wrapped when at least one instance failed.
	ErrTaskFailed = exec.ErrTaskFailed
	// ErrHostUnreachable is wrapped when a host could not be reached.
	ErrHostUnreachable = exec.ErrHostUnreachable
	// ErrInterrupted is wrapped when the run was interrupted.
	ErrInterrupted = exec.ErrInterrupted
	// ErrConfirmationRefused is wrapped by the error of an instance whose
	// confirm question was answered no (or could not be asked).
	ErrConfirmationRefused = exec.ErrConfirmationRefused
	// ErrNothingToResume is returned when the journal holds no run.
	ErrNothingToResume = exec.ErrNothingToResume
	// ErrResumeChanged is wrapped when the playbook or its variables
	// changed since the run to resume.
	ErrResumeChanged = exec.ErrResumeChanged
	// ErrUnsafeResume is wrapped when an instance can be neither restored
	// nor safely run again.
	ErrUnsafeResume = exec.ErrUnsafeResume
	// ErrJobsLeft is wrapped when a run would start over while the last
	// one left detached jobs that may still run.
	ErrJobsLeft = exec.ErrJobsLeft
	// ErrNoJobToAbandon is wrapped when RunOptions.AbandonJobs names a
	// host where the last run left no job that may still run.
	ErrNoJobToAbandon = exec.ErrNoJobToAbandon
	// ErrJournal is wrapped by the errors of recording a run.
	ErrJournal = exec.ErrJournal
)

// Run runs the playbook: every instance once all it depends on has
// succeeded (or was skipped by its when), up to opts.Parallel at once and
// opts.PerHost per host, an instance counting on its peers as well as on
// its own host. A failure skips what depends on it, transitively, and
// nothing else unless opts.FailFast is set. Hosts are connected when first
// needed and closed at the end. With opts.Journal the run is recorded, and
// with opts.Resume it continues the recorded one.
//
// Run returns when the walk has ended and every subscriber has seen the
// run_finished event. The error wraps ErrInterrupted when ctx was
// cancelled or opts.Stop closed, ErrTaskFailed when an instance failed,
// ErrHostUnreachable when a host could not be reached, and ErrJournal
// when the journal could not be written; the report is complete in every
// case. When the run cannot start (bad options, a resume that is refused,
// a playbook with errors) Run returns a nil report and an error, having
// run nothing.
func Run(ctx context.Context, p *Playbook, opts RunOptions) (*Report, error) {
	if p == nil {
		return nil, compile.ErrInvalid
	}
	return exec.Run(ctx, p.prog, opts)
}

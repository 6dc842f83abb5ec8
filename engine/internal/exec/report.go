package exec

import (
	"time"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/module"
)

// Report is the outcome of a run.
type Report struct {
	// Instances holds every instance the run covered (all of them, or
	// those on the hosts of RunOptions.Limit), sorted by task, then host.
	Instances []InstanceResult
	// Duration is the time the run took.
	Duration time.Duration
	// Interrupted reports that the run's context was cancelled, or
	// RunOptions.Stop closed, before every instance ended.
	Interrupted bool
	// Check reports a check-mode run (RunOptions.Check): Changed means
	// "would change", and nothing was changed.
	Check bool
	// Abandoned lists the detached jobs that the run gave up when it
	// began (RunOptions.AbandonJobs).
	Abandoned []AbandonedJob
}

// AbandonedJob is a detached job that a run gave up when it began.
type AbandonedJob struct {
	DetachedJob
	// Instance is the ID of the task instance that started it.
	Instance string
}

// InstanceResult is how one task instance ended.
type InstanceResult struct {
	compile.InstanceInfo
	// Status is how the instance ended.
	Status Status
	// Changed reports that the module changed something on a host: always
	// for StatusChanged, and for a failed instance whose module said so
	// with its error (see Result).
	Changed bool
	// Duration is the time from the instance's start to its end, zero
	// for an instance that never started.
	Duration time.Duration
	// Err says why the instance failed, was skipped because of another,
	// or was cancelled; nil when it succeeded or its when was false. It
	// names the task and the host, and holds no sensitive value.
	Err error
	// Outputs holds the module's outputs by name, sensitive ones replaced
	// by "(sensitive)"; nil unless the instance succeeded or its module
	// returned outputs with its error.
	Outputs map[string]any
	// Unreachable reports that the instance failed or was skipped because
	// its host could not be reached.
	Unreachable bool
	// StderrTail holds the last lines its commands wrote to standard
	// error, for a failed instance.
	StderrTail string
	// Attempts is the number of times the module ran.
	Attempts int
	// Ignored reports a failure that ignore_errors let the run go past.
	Ignored bool
	// Restored reports an instance that a resumed run did not run: its
	// status, duration and outputs are those the journal recorded, and
	// Attempts is zero.
	Restored bool
	// Detached lists the detached jobs of an instance that did not
	// succeed which may still run on their hosts: a resumed run
	// re-attaches to them.
	Detached []DetachedJob
	// Reason says why a skipped instance with no error did not run, such
	// as ReasonNothingChanged; empty otherwise.
	Reason string
	// Diffs are the changes the module made, or would make, to files,
	// when RunOptions.Diff asked for them.
	Diffs []module.FileDiff
}

// Failed reports whether the result counts as a failure of the run: the
// instance failed and its failure was not ignored.
func (r InstanceResult) Failed() bool { return r.Status == StatusFailed && !r.Ignored }

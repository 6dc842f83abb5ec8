package exec

import (
	"fmt"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/journal"
)

// ResumeChangedError is the error of a Run told to resume a run whose
// playbook or variables have changed since; it wraps ErrResumeChanged.
// RunOptions.ResumeChanged lets the run go on instead.
type ResumeChangedError struct {
	// Recorded is when the run to resume started.
	Recorded time.Time
	// Playbook reports that the playbook's files or inventory files
	// changed.
	Playbook bool
	// Vars names the variables whose values changed, sorted.
	Vars []string
}

// Error says what changed since the run to resume was recorded.
func (e *ResumeChangedError) Error() string {
	var what []string
	if e.Playbook {
		what = append(what, "the playbook's files")
	}
	if len(e.Vars) > 0 {
		what = append(what, "the values of var."+strings.Join(e.Vars, ", var."))
	}
	return fmt.Sprintf("%s: %s changed since the run of %s was recorded", ErrResumeChanged, strings.Join(what, " and "), e.Recorded.Format(time.DateTime))
}

// Unwrap returns ErrResumeChanged.
func (e *ResumeChangedError) Unwrap() error { return ErrResumeChanged }

// JobsLeftError is the error of a Run that is not told to resume while
// the run its journal holds left detached jobs that may still run on
// their hosts (see Env.Detached): starting over would start them a second
// time. It wraps ErrJobsLeft; nothing ran. Resuming re-attaches to them
// (and, once they are killed or ended, a new run may start over).
type JobsLeftError struct {
	// Instances holds the task instances of those jobs, with the jobs,
	// sorted by task, then host.
	Instances []JobsLeft
}

// JobsLeft is a task instance whose detached jobs may still run.
type JobsLeft struct {
	// Task, Host and Key name the instance; Key is empty unless its task
	// has for_each.
	Task, Host, Key string
	Jobs            []DetachedJob
}

// Label names the instance in a sentence; see compile.InstanceInfo.Label.
func (j JobsLeft) Label() string { return compile.InstanceLabel(j.Task, j.Host, j.Key) }

// Error names each instance and its jobs, and says what to do.
func (e *JobsLeftError) Error() string {
	var parts []string
	for _, inst := range e.Instances {
		for _, j := range inst.Jobs {
			parts = append(parts, fmt.Sprintf("%s (job %s on host %s)", inst.Label(), j.ID, j.Host))
		}
	}
	return fmt.Sprintf("%s: %s; resume the run to re-attach to them; starting over would start them a second time", ErrJobsLeft, strings.Join(parts, ", "))
}

// Unwrap returns ErrJobsLeft.
func (e *JobsLeftError) Unwrap() error { return ErrJobsLeft }

// jobsLeft returns the error of a run that would start over last, when
// some instance of last left detached jobs that may still run.
func jobsLeft(last *journal.Run) error {
	e := &JobsLeftError{}
	for _, rec := range last.Records {
		if jobs := runningJobs(rec.Jobs); len(jobs) > 0 {
			e.Instances = append(e.Instances, JobsLeft{Task: rec.Task, Host: rec.Host, Key: rec.Key, Jobs: jobs})
		}
	}
	if len(e.Instances) == 0 {
		return nil
	}
	return e
}

// UnsafeResumeError is the error of a Run told to resume when some
// instances can be neither restored from the journal nor safely run
// again; it wraps ErrUnsafeResume. Nothing ran. Once their hosts are
// checked, RunOptions.Rerun lets them run again.
type UnsafeResumeError struct {
	// Instances holds those instances, sorted by task, then host.
	Instances []UnsafeInstance
}

// UnsafeInstance is an instance that a resumed run can neither restore
// nor safely run again.
type UnsafeInstance struct {
	compile.InstanceInfo
	// Reason says why, such as "was cut off mid-way and its module is
	// not safe to repeat".
	Reason string
}

// Error names each instance and why it is unsafe.
func (e *UnsafeResumeError) Error() string {
	var b strings.Builder
	b.WriteString(ErrUnsafeResume.Error())
	for i, inst := range e.Instances {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s %s", sep, inst.Label(), inst.Reason)
	}
	b.WriteString("; check what it did on its host, then resume naming it to run again")
	return b.String()
}

// Unwrap returns ErrUnsafeResume.
func (e *UnsafeResumeError) Unwrap() error { return ErrUnsafeResume }

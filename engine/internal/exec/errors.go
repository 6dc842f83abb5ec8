package exec

import "errors"

// Sentinel errors that callers of Run test for with errors.Is.
var (
	// ErrTaskFailed is wrapped by the error Run returns when at least one
	// task instance failed (and its failure was not ignored).
	ErrTaskFailed = errors.New("task failed")
	// ErrHostUnreachable is wrapped by the error Run returns when a host
	// could not be reached, and by the error of every instance that did
	// not run because of it.
	ErrHostUnreachable = errors.New("host unreachable")
	// ErrInterrupted is wrapped by the error Run returns when its context
	// was cancelled before every instance ended.
	ErrInterrupted = errors.New("run interrupted")
	// ErrConfirmationRefused is wrapped by the error of an instance whose
	// confirm question was answered no (or could not be asked).
	ErrConfirmationRefused = errors.New("confirmation refused")
	// ErrNothingToResume is returned by a Run told to resume when the
	// journal holds no run.
	ErrNothingToResume = errors.New("nothing to resume: the journal holds no run of this playbook and inventory")
	// ErrResumeChanged is wrapped by the error of a Run told to resume
	// when the playbook or its variables changed since the journal was
	// written; see ResumeChangedError.
	ErrResumeChanged = errors.New("the playbook or its variables changed since the run to resume")
	// ErrUnsafeResume is wrapped by the error of a Run told to resume
	// when an instance can be neither restored nor safely run again; see
	// UnsafeResumeError.
	ErrUnsafeResume = errors.New("cannot resume safely")
	// ErrJobsLeft is wrapped by the error of a Run that would start over
	// while the run its journal holds left detached jobs that may still
	// run: starting over would start them a second time. See
	// JobsLeftError.
	ErrJobsLeft = errors.New("the last run left detached jobs that may still run")
	// ErrNoJobToAbandon is wrapped by the error of a Run told to abandon
	// the jobs on a host (RunOptions.AbandonJobs) where the run its
	// journal holds left none that may still run. Nothing ran.
	ErrNoJobToAbandon = errors.New("no detached job to abandon")
	// ErrJournal is wrapped by the errors of recording a run in its
	// journal.
	ErrJournal = errors.New("journal")
	// ErrCutOff is wrapped by the error of an instance that a walk run
	// elsewhere handed over again after its first try was cut off mid-way
	// (its worker was lost) and whose module is not safe to repeat: it did
	// not run again.
	ErrCutOff = errors.New("cut off mid-way, and its module is not safe to run again")
)

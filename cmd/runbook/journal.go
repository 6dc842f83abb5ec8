package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/journal"
)

// journalFlags are the flags of the run's journal and of resuming it.
type journalFlags struct {
	stateDir      string
	resume        bool
	resumeChanged bool
	forceRerun    stringList
	abandonJobs   stringList
}

func (f *journalFlags) register(fs *flagSet) {
	fs.StringVar(&f.stateDir, "state-dir", "", "Keep the journals of runs in `DIR` (default $XDG_STATE_HOME/runbook, else ~/.local/state/runbook).")
	fs.BoolVar(&f.resume, "resume", false, "Continue the last run of this playbook and inventory: what succeeded is not run again.")
	fs.BoolVar(&f.resumeChanged, "resume-changed", false, "With --resume, go on even though the playbook or the values of its variables changed since the last run.")
	fs.Var(&f.abandonJobs, "abandon-jobs", "Give up the detached jobs that the last run left, as they may still run, on these `HOSTS` (comma-separated; repeatable), when a host is gone for good: the journal records them given up, and the run no longer refuses to start over for them.")
	fs.Var(&f.forceRerun, "force-rerun", "With --resume, run these `STEPS` again whatever the journal says, such as one cut off mid-way whose host you have checked: TASK@HOST[KEY] (a task with for_each), TASK@HOST (every key there) or TASK (all its hosts), comma-separated; repeatable.")
}

// check reports values of the flags that make no sense.
func (f *journalFlags) check() error {
	switch {
	case f.resumeChanged && !f.resume:
		return errors.New("--resume-changed goes with --resume")
	case len(f.forceRerun) > 0 && !f.resume:
		return errors.New("--force-rerun goes with --resume; a run without it runs every step")
	}
	return nil
}

// rerun returns the steps of --force-rerun.
func (f *journalFlags) rerun() []string { return f.forceRerun.items() }

// abandoned returns the hosts of --abandon-jobs.
func (f *journalFlags) abandoned() []string { return f.abandonJobs.items() }

// openJournal opens the journal of p for the run. Without --resume a
// journal that cannot be opened costs only the ability to resume, and a
// warning says so; with it, or when another run holds the journal, ok is
// false and the reason is printed.
func (c *cli) openJournal(f *journalFlags, p *engine.Playbook) (j *journal.Journal, ok bool) {
	dir := f.stateDir
	var err error
	if dir == "" {
		dir, err = journal.DefaultDir(c.getenv)
	}
	if err == nil {
		j, err = journal.Open(dir, p.JournalKey())
	}
	switch {
	case errors.Is(err, journal.ErrBusy):
		fmt.Fprintf(c.stderr, "runbook run: another run of this playbook and inventory is in progress (its journal is in %s)\n", dir)
		return nil, false
	case err != nil && f.resume:
		fmt.Fprintf(c.stderr, "runbook run: cannot resume: %v\n", err)
		return nil, false
	case err != nil:
		fmt.Fprintf(c.stderr, "runbook run: warning: no journal, so this run cannot be resumed: %v\n", err)
		return nil, true
	}
	if last, _ := j.Last(); last != nil && last.State != journal.StateFinished && !f.resume {
		fmt.Fprintf(c.stderr, "runbook run: note: the last run of this playbook and inventory (started %s) did not finish; this run starts over (--resume continues it instead)\n",
			last.Started.Local().Format(time.DateTime))
	}
	return j, true
}

// refused prints why a run did not start, with what to do about it; j is
// the run's journal, or nil when it keeps none.
func (c *cli) refused(err error, j *journal.Journal) {
	var unsafe *engine.UnsafeResumeError
	var changed *engine.ResumeChangedError
	var left *engine.JobsLeftError
	switch {
	case errors.As(err, &unsafe):
		var steps []string
		for _, inst := range unsafe.Instances {
			fmt.Fprintf(c.stderr, "runbook run: cannot resume: %s %s\n", inst.Label(), inst.Reason)
			steps = append(steps, inst.ID())
		}
		hosts := "the host"
		if len(steps) > 1 {
			hosts = "those hosts"
		}
		fmt.Fprintf(c.stderr, "Check %s, then run with --resume --force-rerun=%s, or without --resume to start over.\n", hosts, strings.Join(steps, ","))
	case errors.As(err, &changed):
		fmt.Fprintf(c.stderr, "runbook run: cannot resume: %v\nRun with --resume --resume-changed to resume anyway, or without --resume to start over.\n", err)
	case errors.As(err, &left):
		for _, inst := range left.Instances {
			for _, j := range inst.Jobs {
				fmt.Fprintf(c.stderr, "runbook run: the last run left %s running detached: job %s (its log is %s/log on %s)\n", inst.Label(), j.ID, j.Dir, j.Host)
			}
		}
		fmt.Fprintln(c.stderr, "Starting over would start it a second time. Run with --resume to re-attach, or to read how it ended; there, a second Ctrl-C offers to kill it.")
		fmt.Fprintln(c.stderr, "If a host is gone for good, so that its job cannot be asked, run with --abandon-jobs=HOST to give its jobs up (the journal records it).")
	case errors.Is(err, engine.ErrNothingToResume):
		fmt.Fprintf(c.stderr, "runbook run: cannot resume: %v; run without --resume\n", err)
	default:
		fmt.Fprintf(c.stderr, "runbook run: %v\n", err)
	}
}

// journalError returns the part of a run's error that is about its
// journal, or nil.
func journalError(err error) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			if found := journalError(e); found != nil {
				return found
			}
		}
		return nil
	}
	if errors.Is(err, engine.ErrJournal) {
		return err
	}
	return nil
}

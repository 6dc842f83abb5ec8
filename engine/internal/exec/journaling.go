package exec

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/engine/module"
)

// beginJournal starts recording the run in RunOptions.Journal, if there
// is one. When the run resumes the last one, it first refuses a changed
// playbook (unless told otherwise) and decides what to restore; see
// RunOptions.Resume.
func (r *runner) beginJournal(rerun []bool) error {
	j, p := r.opts.Journal, r.p
	if j == nil {
		if r.opts.Resume {
			return errors.New("resume: RunOptions.Journal is not set")
		}
		return nil
	}
	last, err := j.Last()
	if r.opts.Resume {
		switch {
		case err != nil:
			return fmt.Errorf("cannot resume: %w", err)
		case last == nil:
			return ErrNothingToResume
		}
	}
	var abandoned []journal.Abandoned
	if len(r.opts.AbandonJobs) > 0 {
		if last, abandoned, err = abandonJobs(last, r.opts.AbandonJobs, time.Now()); err != nil {
			return err
		}
	}
	if last != nil && !r.opts.Resume {
		if err := jobsLeft(last); err != nil {
			return err
		}
	}
	salt, err := saltOf(last)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	run := journal.Run{
		Playbook:    p.DisplayOrigin(),
		Fingerprint: p.Fingerprint(),
		Salt:        hex.EncodeToString(salt),
		Vars:        p.VarHashes(salt),
		Hosts:       p.RedactedHostLines(),
		Started:     time.Now(),
		Abandoned:   abandoned,
	}
	if r.opts.Resume {
		changed := &ResumeChangedError{Recorded: last.Started, Playbook: last.Fingerprint != run.Fingerprint, Vars: changedVars(last.Vars, run.Vars)}
		if (changed.Playbook || len(changed.Vars) > 0) && !r.opts.ResumeChanged {
			return changed
		}
		if run.Records, err = r.resumeFrom(last, rerun); err != nil {
			return err
		}
	}
	if err := j.Begin(run); err != nil {
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	for _, a := range abandoned {
		r.abandoned = append(r.abandoned, AbandonedJob{Instance: a.Instance, DetachedJob: DetachedJob{Host: a.Job.Host, Key: a.Job.Key, ID: a.Job.ID, Dir: a.Job.Dir}})
	}
	return nil
}

// saltOf returns the salt of the variables' hashes: that of the last run,
// so that they compare, or a new random one.
func saltOf(last *journal.Run) ([]byte, error) {
	if last != nil && last.Salt != "" {
		if salt, err := hex.DecodeString(last.Salt); err == nil {
			return salt, nil
		}
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return salt, nil
}

// moduleStarting records that inst's module is about to run for the first
// time, m being the decoded module. When the module is not safe to repeat,
// the record is on disk before it returns; if it cannot be, the module
// must not run, and the error says so.
func (r *runner) moduleStarting(inst *compile.Instance, res *result, m module.Module) error {
	if !res.started.IsZero() {
		return nil
	}
	res.started = time.Now()
	rep, ok := m.(module.Repeatable)
	res.repeatable = ok && rep.SafeToRepeat()
	if r.cutOff && !res.repeatable {
		return ErrCutOff
	}
	j := r.opts.Journal
	if j == nil {
		return nil
	}
	err := j.Put(r.record(inst, res), !res.repeatable)
	if err != nil && !res.repeatable {
		return fmt.Errorf("%w: cannot record that the task starts, and its module is not safe to run again after an interruption: %w", ErrJournal, err)
	}
	return nil // a failed write of a repeatable start is reported when the run ends
}

// journalFinished records how inst ended, unless it was restored.
func (r *runner) journalFinished(inst *compile.Instance, res *result) {
	if r.opts.Journal != nil && !res.restored {
		_ = r.opts.Journal.Put(r.record(inst, res), false) // a failed write is reported when the run ends
	}
}

// record returns the journal record of an instance as it stands.
func (r *runner) record(inst *compile.Instance, res *result) journal.Record {
	rec := journal.Record{
		Task: inst.Task(), Host: inst.Host().Name(), Key: inst.Key(), Module: inst.Module(), Peers: inst.PeerNames(),
		Started: res.started, Repeatable: res.repeatable,
		Status: string(res.status), WhenFalse: res.whenFalse, ConnectionLost: res.lost && res.status == StatusFailed,
		Duration: res.dur, Attempts: res.attempts, Jobs: slices.Clone(res.jobs),
	}
	if res.status != "" {
		rec.Finished = time.Now()
	}
	if res.err != nil {
		rec.Error = res.err.Error()
	}
	rec.Outputs, rec.Redacted = r.journalOutputs(inst, res)
	return rec
}

// endJournal records the end of the run: interrupted when it was told to
// stop, finished otherwise.
func (r *runner) endJournal() error {
	if r.opts.Journal == nil {
		return nil
	}
	state := journal.StateFinished
	if r.stopped() {
		state = journal.StateInterrupted
	}
	if err := r.opts.Journal.End(state); err != nil {
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	return nil
}

// changedVars names the variables whose hashes differ between two maps,
// those in only one included, sorted.
func changedVars(old, cur map[string]string) []string {
	var names []string
	for name, h := range cur {
		if old[name] != h {
			names = append(names, name)
		}
	}
	for name := range old {
		if _, ok := cur[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

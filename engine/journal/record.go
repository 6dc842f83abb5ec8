package journal

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/runbookhq/runbook/engine/job"
)

// Version is the format version of the journal files this package writes.
const Version = 1

// State says how a recorded run stands.
type State string

// The states of a recorded run.
const (
	// StateRunning is the state of a run still going, or of one whose
	// process died (a crash, SIGKILL) before it could record its end.
	StateRunning State = "running"
	// StateFinished is the state of a run that ended on its own.
	StateFinished State = "finished"
	// StateInterrupted is the state of a run that was stopped or
	// cancelled before every instance ended.
	StateInterrupted State = "interrupted"
)

// Run is a recorded run.
type Run struct {
	// Version is the format version, Version when written by this
	// package.
	Version int `json:"version"`
	// Playbook names the playbook for people: its absolute path, or the
	// name of an embedded playbook.
	Playbook string `json:"playbook"`
	// Fingerprint is a hash of the contents of the playbook's files and
	// inventory files.
	Fingerprint string `json:"fingerprint"`
	// Salt is the random salt of the hashes in Vars, kept from run to run
	// of the same journal.
	Salt string `json:"salt"`
	// Vars maps each variable's name to a salted hash of its value; the
	// values themselves are never stored.
	Vars map[string]string `json:"vars"`
	// Hosts lists the inventory, "name address:port", sorted.
	Hosts []string `json:"hosts"`
	// Started is when the run began.
	Started time.Time `json:"started"`
	// Ended is when it ended; zero while it runs or when its process died.
	Ended time.Time `json:"ended,omitzero"`
	// State says how the run stands.
	State State `json:"state"`
	// Records holds one record per instance the run reached (or carried
	// over from the run it resumed), sorted by task, then host.
	Records []Record `json:"records"`
	// Abandoned holds the detached jobs that the run before this one left
	// as they may still run and that the operator gave up when this one
	// began, as their hosts were gone for good.
	Abandoned []Abandoned `json:"abandoned,omitempty"`
}

// Abandoned is a detached job that the operator gave up (its Mark's End
// is job.EndAbandoned): nobody waits for it any more, and whether it
// still runs on its host is unknown.
type Abandoned struct {
	// Instance is the ID of the task instance that started it, as
	// Record.ID spells it.
	Instance string `json:"instance"`
	// Job is the job as the run before recorded it.
	Job job.Mark `json:"job"`
	// At is when it was given up.
	At time.Time `json:"at"`
}

// Record is what the journal keeps of one task instance.
type Record struct {
	// Task, Host, Key (set when its task has for_each) and Module
	// identify the instance.
	Task   string `json:"task"`
	Host   string `json:"host"`
	Key    string `json:"key,omitempty"`
	Module string `json:"module"`
	// Peers names the other hosts the instance works on besides Host,
	// sorted: what it did there is in this record too.
	Peers []string `json:"peers,omitempty"`
	// Started is when its module first started; zero when it never did.
	Started time.Time `json:"started,omitzero"`
	// Repeatable records what the module said, when it started, of being
	// run again after an interruption (engine.Repeatable).
	Repeatable bool `json:"repeatable,omitempty"`
	// Status is how the instance ended (an engine.Status); empty while it
	// runs, or when its process died while it ran.
	Status string `json:"status,omitempty"`
	// ConnectionLost is set for an instance that failed after the
	// connection to a host broke while its module ran there (the
	// transport's ErrConnectionLost): whether what it ran there ended,
	// and how, is unknown.
	ConnectionLost bool `json:"connection_lost,omitempty"`
	// WhenFalse is set for an instance skipped because its when was
	// false.
	WhenFalse bool `json:"when_false,omitempty"`
	// Finished is when the instance ended.
	Finished time.Time `json:"finished,omitzero"`
	// Duration is how long it ran.
	Duration time.Duration `json:"duration_ns,omitempty"`
	// Attempts is the number of times its module ran.
	Attempts int `json:"attempts,omitempty"`
	// Error says why it failed, was skipped or was cancelled, without
	// any sensitive value.
	Error string `json:"error,omitempty"`
	// Outputs holds the instance's outputs as a JSON object. They never
	// hold a sensitive value: when some output was sensitive, or held a
	// secret's text, they are redacted as events show them and Redacted
	// is set.
	Outputs json.RawMessage `json:"outputs,omitempty"`
	// Redacted is set when Outputs lost sensitive parts, so that they
	// are not the outputs the module returned.
	Redacted bool `json:"redacted,omitempty"`
	// Jobs holds the detached jobs the instance's module started on its
	// host, each recorded before its command started, with how much of
	// its log was shown and, once it ended, how.
	Jobs []job.Mark `json:"jobs,omitempty"`
}

// ID returns the record's instance ID: "task@host", or "task@host[key]"
// for an instance of a task with for_each.
func (r Record) ID() string {
	if r.Key == "" {
		return r.Task + "@" + r.Host
	}
	return r.Task + "@" + r.Host + "[" + r.Key + "]"
}

// CutOff reports whether the instance's module started and did not end
// on its own: the record never learned how it ended (the process died),
// it was cancelled while it ran, its connection to its host was lost
// while it ran (ConnectionLost), or it failed when a detached job of its
// was lost (JobLost). What such a module did on its host is unknown.
func (r Record) CutOff() bool {
	return !r.Started.IsZero() && (r.Status == "" || r.Status == "cancelled" || r.ConnectionLost || r.Status == "failed" && r.JobLost())
}

// JobLost reports whether a detached job of the instance was lost (its
// host rebooted, its process vanished) or killed before it ended.
func (r Record) JobLost() bool {
	return slices.ContainsFunc(r.Jobs, func(m job.Mark) bool { return !m.Attachable() })
}

// ResumableJobs returns the detached jobs of the instance that a resumed
// run that runs it again re-attaches to, or whose recorded end it reads,
// instead of starting their commands again: those that may still run,
// and, when the instance was cut off, those that ended before its module
// could take their results.
func (r Record) ResumableJobs() []job.Mark {
	cut := r.CutOff()
	return slices.DeleteFunc(slices.Clone(r.Jobs), func(m job.Mark) bool { return m.End != "" && !(cut && m.Attachable()) })
}

// Record returns the record of the instance "task@host", if the run has
// one.
func (r *Run) Record(id string) (Record, bool) {
	for _, rec := range r.Records {
		if rec.ID() == id {
			return rec, true
		}
	}
	return Record{}, false
}

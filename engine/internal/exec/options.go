package exec

import (
	"context"
	"time"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/engine/transport"
)

// Defaults of RunOptions.
const (
	// DefaultParallel is the global limit on running instances used when
	// RunOptions.Parallel is zero.
	DefaultParallel = 64
	// DefaultPerHost is the per-host limit used when RunOptions.PerHost is
	// zero.
	DefaultPerHost = 8
	// DefaultOutputLimit is how many bytes of each output stream of a
	// command a run keeps when RunOptions.OutputLimit is zero: 1 MiB.
	DefaultOutputLimit = transport.DefaultMaxOutput
)

// RunOptions steer a Run.
type RunOptions struct {
	// Connect returns the transport of a host other than the built-in
	// local host. It is called at most once per host, when the first
	// instance on that host starts (or a module asks for it as a peer).
	// An error wrapping transport.ErrUnreachable marks the host
	// unreachable.
	Connect func(config.HostConfig) (transport.Host, error)
	// Parallel is the global limit on running instances; 0 means
	// DefaultParallel.
	Parallel int
	// PerHost is the limit of running instances per host; 0 means
	// DefaultPerHost.
	PerHost int
	// FailFast makes the first failure cancel the running instances and
	// everything not yet started.
	FailFast bool
	// Limit restricts the run to the instances on these hosts or groups;
	// empty means every host.
	Limit []string
	// Timeout bounds each attempt of a task that sets no timeout of its
	// own; 0 means no bound.
	Timeout time.Duration
	// OutputLimit bounds how much of each output stream of a command the
	// run keeps, for a task's outputs and so for the journal: the last
	// OutputLimit bytes, in whole lines (see transport.Command.MaxOutput,
	// which it sets for every command a module runs without setting it
	// itself). Subscribers see every line whatever the limit. Zero means
	// DefaultOutputLimit; a negative value keeps everything.
	OutputLimit int
	// Subscribers receive every event of the run.
	Subscribers []Subscriber
	// Confirm is asked, one question at a time, before an instance whose
	// task has a confirm sentence starts. Nil refuses every such instance.
	Confirm func(ctx context.Context, inst compile.InstanceInfo) (bool, error)
	// Journal, when set, records the run, instance by instance, so that a
	// later run can resume it: when each module starts (on disk before it
	// starts, for a module that is not Repeatable or does not report
	// true), how each instance ends, its outputs (redacted as events
	// show them), and the run's end. Open it with journal.Open in a
	// directory of journals (journal.DefaultDir) under the key
	// Playbook.JournalKey. The caller closes it after the run.
	Journal *journal.Journal
	// Resume continues the run recorded in Journal. Instances that ended
	// ok or changed, or were skipped by their when, are not run again:
	// they end at once with their recorded status and outputs (their
	// events and results marked Restored), and later tasks read those
	// outputs as before. Every other instance runs, except one that was
	// cut off mid-way (its module started, its end is unknown: the run
	// was interrupted or died while it ran, or it failed after losing its
	// connection to a host mid-way): that one runs again only when its
	// module reported itself safe to repeat, and otherwise Run starts
	// nothing and returns an UnsafeResumeError.
	// Run also refuses, with a ResumeChangedError, when the playbook or
	// the values of its variables changed since the journal was written,
	// unless ResumeChanged is set. An instance cut off mid-way that ran
	// detached jobs which were not lost runs again, and its module
	// re-attaches to them (Env.Detached). Without Resume, Run refuses
	// with a JobsLeftError while the journal's run left detached jobs
	// that may still run, which starting over would start again.
	Resume bool
	// ResumeChanged lets Resume go on when the playbook's files or the
	// values of its variables changed since the journal was written.
	ResumeChanged bool
	// Tags, when set, runs only the tasks with one of these tags, and
	// what they depend on; SkipTags leaves out the tasks with one of its
	// tags, unless a task that runs depends on them. The others are
	// skipped with the reason ReasonNotSelected.
	Tags, SkipTags []string
	// Rerun names instances, as "task@host[key]", "task@host" (each of
	// its instances there) or "task" (each of its instances), that Resume
	// runs again whatever the journal says of
	// them, such as one cut off mid-way whose host has been checked.
	Rerun []string
	// SudoPassword, when set, is the sudo password of every host whose
	// block gives none (an empty one counts as none), the built-in local
	// host included, as if the block set it: it is fed to sudo and hidden
	// like a host's sudo_password. A password that a host block sets wins
	// on that host.
	SudoPassword string
	// Stop, when closed, stops the run gently: no new instance starts
	// (those not started end cancelled), while the running ones go on
	// until they end or the run's context is cancelled. The run then
	// counts as interrupted. Nil means the run stops only through its
	// context.
	Stop <-chan struct{}
	// KillDetached, when set, is called once at the end of a run that
	// leaves detached jobs running on their hosts (see Env.Detached: a
	// job the run stopped watching, after Stop or the cancellation of
	// its context), with those jobs; when it returns true, they are
	// killed (their process groups, TERM then KILL) and journaled so.
	// Otherwise, and when it is nil, they go on, and a resumed run
	// re-attaches to them.
	KillDetached func(jobs []DetachedJob) bool
	// AbandonJobs names hosts whose detached jobs, left by the run that
	// Journal holds as they may still run, the operator gives up, as
	// those hosts are gone for good: they are journaled abandoned
	// (job.EndAbandoned, and in journal.Run.Abandoned) and listed in
	// Report.Abandoned, nobody waits for them any more, and a run may
	// start over. A resumed run then takes their instances as having lost
	// their jobs: they run again only when Rerun names them. A host where
	// the last run left no such job makes Run refuse, with an error
	// wrapping ErrNoJobToAbandon.
	AbandonJobs []string
	// JobMaxAge is how old the files of finished detached jobs may grow
	// on a host: the first job a run starts on a host (for a user)
	// removes older ones first. Zero means DefaultJobMaxAge.
	JobMaxAge time.Duration

	// Check runs the playbook in check mode: it connects to the hosts
	// and, for every instance, calls its module's Check (module.Checker)
	// in place of Run, which changes nothing. An instance ends changed
	// when its module would change something, ok when not, and
	// StatusCannotPredict, without running, when its module has no
	// Check, its Check cannot tell, or its when or arguments read
	// outputs of a task that would change: those outputs are "known
	// after run" (unknown) to the tasks that read them. Confirmation
	// questions are not asked, each instance is checked once (retries,
	// until and changed_when do not apply), and a check-mode run keeps
	// no journal: Journal and Resume must not be set.
	Check bool
	// Diff asks the modules for the changes they make to files, or in
	// check mode would make (module.Env.Diff); they come in the
	// task_finished events and in InstanceResult.Diffs. The content of a
	// task whose arguments hold a sensitive value is never shown: its
	// diffs are marked sensitive instead.
	Diff bool
}

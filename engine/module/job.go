package module

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine/job"
	"github.com/runbookhq/runbook/engine/transport"
)

// DefaultJobPoll is how often Env.Detached polls a job when
// JobOptions.Poll is zero.
const DefaultJobPoll = 5 * time.Second

// jobKillGrace is how long a job killed at its timeout has between
// SIGTERM and SIGKILL, jobTailLines how many lines of the end of its log
// a JobResult keeps, and jobPollTries how many polls in a row may lose
// their connection (the transport connects again) before Detached gives
// up.
const (
	jobKillGrace = 10 * time.Second
	jobTailLines = 20
	jobPollTries = 3
)

// JobOptions steer Env.Detached.
type JobOptions struct {
	// Poll is how often the job is polled for new lines of its log and
	// its end; zero means DefaultJobPoll.
	Poll time.Duration
}

// JobResult is how a detached job ended.
type JobResult struct {
	// ExitCode is the command's exit status: 128+N when a signal N ended
	// it, -1 when runbook killed it.
	ExitCode int
	// Signal names the signal with which runbook killed the job (TERM or
	// KILL) at the task's timeout, or is empty.
	Signal string
	// Tail holds the last lines of the job's log (its standard output
	// and error, interleaved).
	Tail string
	// Reattached reports that an earlier run started the job, and this
	// one re-attached to it or read how it ended.
	Reattached bool
}

// OK reports whether the job exited with status 0.
func (r JobResult) OK() bool { return r.ExitCode == 0 && r.Signal == "" }

// Errors of Env.Detached that callers test for with errors.Is.
var (
	// ErrJobDetached means the run stopped watching a job that still
	// runs on its host (the operator interrupted the run, or the run was
	// cancelled): a resumed run re-attaches to it.
	ErrJobDetached = errors.New("job left running on its host")
	// ErrJobLost means a job's process is gone without recording its
	// end (its host rebooted, or it was killed outside runbook), or it
	// never started: what it did is unknown.
	ErrJobLost = errors.New("job lost")
)

// JobKeeper is what an executor gives Env.Detached (see EnvHooks.Jobs):
// where a task instance's jobs are recorded, so that a later run finds
// them again, and where their log lines go. Its methods are called from
// the module's goroutine.
type JobKeeper interface {
	// Host returns the transport that the job's own scripts run on: the
	// keeper's host (the instance's, or a peer's) with the task's sudo
	// applied, whose output is not shown.
	Host() transport.Host
	// HostName returns the inventory name of that host.
	HostName() string
	// Peer returns the keeper of the jobs the instance runs on its peer
	// ref (see Env.PeerDetached): they are recorded with the instance,
	// each under its host and key, and their lines are shown as the
	// peer's.
	Peer(ref HostRef) (JobKeeper, error)
	// Find returns the job that an earlier run recorded under key for
	// this instance on the keeper's host, once: a later call with the
	// same key finds nothing, so that another attempt starts a job of its
	// own.
	Find(key string) (job.Mark, bool)
	// Keep records m, replacing the record of its host and key; with
	// durable set it returns once the record is safe (on disk).
	Keep(m job.Mark, durable bool) error
	// Line shows a line of a job's log, as the keeper's host's.
	Line(line string)
	// Stop returns a channel closed when the run stops watching its jobs
	// (the operator's first interrupt); nil means never.
	Stop() <-chan struct{}
	// Sweep removes, when it has not yet in this run, the stale files of
	// old jobs of the user that sudo makes it on the keeper's host.
	Sweep(ctx context.Context, sudo *transport.Sudo)
	// Timeout returns the task's timeout, which bounds a job from its
	// start, across runs; zero means none.
	Timeout() time.Duration
}

// Detached runs cmd as a detached job on the instance's host (see package
// job): in a session of its own, with its output going to a log file in
// a private directory on the host, so that it outlives the connection and
// the run. It polls the job every opts.Poll, shows each new line of its
// log once (as output events, and to cmd.OnLine when set, as standard
// output; after runbook was killed outright, a resumed run may show again
// the last lines shown before, saying so, and never loses one: see the
// language reference), and returns how the job ended. cmd gives Args or Script and
// may give Env (which reaches the job through the transport, never on a
// command line), Dir, Stdin (kept in the job's private directory until
// it ends) and Sudo.
//
// key names the job among the jobs of the task instance (a module that
// runs one job can use its own name). The job is recorded in the run's
// journal before it starts; when an earlier run recorded a job under key
// for this instance and was cut off (the connection was lost, runbook
// was killed, the operator interrupted it), Detached never starts the
// command again: it re-attaches to the job and shows its log from where
// the operator left it, or reads how it ended while nobody watched. So a
// module that calls Detached is resumed by running it again: whatever it
// does before Detached must be safe to repeat.
//
// The task's timeout bounds the job from its start: when it expires, the
// job's process group is killed on the host and Detached returns the
// result with the context's error. When the run stops watching (ctx is
// cancelled, or the operator's first interrupt), the job goes on and the
// error wraps ErrJobDetached. A job that was lost is reported, with its
// log, by an error wrapping ErrJobLost. Once the job's end is recorded,
// its files on the host are removed.
//
// An Env made by NewEnv runs the job and follows it the same way, with
// no journal and no re-attaching.
func (e *Env) Detached(ctx context.Context, key string, cmd transport.Command, opts JobOptions) (JobResult, error) {
	return e.detached(ctx, e.keeper(), key, cmd, opts)
}

// PeerDetached runs cmd as a detached job on the instance's peer ref (a
// host that one of the module's HostRef arguments names, see Env.Peer),
// as Detached runs one on the instance's own host: the job is journaled
// with the instance, under the peer's name and key, before it starts; a
// resumed run re-attaches to it on the peer and never starts it twice; a
// job lost on the peer is reported as lost; the run's first interrupt
// leaves it running; its log's lines show as the peer's output.
func (e *Env) PeerDetached(ctx context.Context, ref HostRef, key string, cmd transport.Command, opts JobOptions) (JobResult, error) {
	pk, err := e.keeper().Peer(ref)
	if err != nil {
		return JobResult{}, fmt.Errorf("job %s on host %s: %w", key, ref.Name, err)
	}
	return e.detached(ctx, pk, key, cmd, opts)
}

// keeper returns the JobKeeper of the instance's host: the executor's,
// else one with no journal.
func (e *Env) keeper() JobKeeper {
	if e.jobs != nil {
		return e.jobs
	}
	return loneKeeper{host: e.Host, name: e.HostName, peer: e.peer}
}

// detached runs Detached and PeerDetached on the host of k.
func (e *Env) detached(ctx context.Context, k JobKeeper, key string, cmd transport.Command, opts JobOptions) (JobResult, error) {
	w := &jobWatch{env: e, k: k, host: k.HostName(), cmd: cmd, poll: cmp.Or(opts.Poll, DefaultJobPoll)}
	if m, found := k.Find(key); found {
		return w.attach(ctx, m)
	}
	return w.start(ctx, key)
}

// jobWatch is one call of Env.Detached or Env.PeerDetached.
type jobWatch struct {
	env  *Env
	k    JobKeeper
	host string // the inventory name of the job's host
	cmd  transport.Command
	poll time.Duration
	m    job.Mark
}

// start starts the job and follows it.
func (w *jobWatch) start(ctx context.Context, key string) (JobResult, error) {
	w.k.Sweep(ctx, w.cmd.Sudo)
	w.m = job.Mark{Key: key, Host: w.host, Started: time.Now()}
	if w.cmd.Sudo != nil {
		w.m.Sudo, w.m.SudoUser = true, w.cmd.Sudo.User
	}
	j, err := job.Start(ctx, w.k.Host(), w.cmd.Sudo, w.cmd, func(ref job.Ref) error {
		w.m.Ref = ref
		return w.k.Keep(w.m, true)
	})
	if j == nil {
		return JobResult{}, w.errorf("%w", err)
	}
	if err != nil { // the job runs, but its process was not recorded
		w.env.Progressf("warning: job %s: %v", w.m.ID, err)
	}
	w.env.Progressf("started job %s; its log is %s/log on %s", w.m.ID, w.m.Dir, w.host)
	return w.follow(ctx, j, false)
}

// attach re-attaches to the job m that an earlier run recorded, or reads
// how it ended.
func (w *jobWatch) attach(ctx context.Context, m job.Mark) (JobResult, error) {
	w.m = m
	j, err := job.Attach(w.k.Host(), m.SudoOf(), m.Ref, m.Offset) // as it was started
	if err != nil {
		return JobResult{}, w.errorf("%w", err)
	}
	switch m.End {
	case job.EndExited:
		w.remove(ctx, j)
		return JobResult{ExitCode: m.ExitCode, Signal: m.Signal, Tail: m.Tail, Reattached: true}, nil
	case "":
	default:
		return JobResult{}, w.errorf("%w: it was %s in an earlier run", ErrJobLost, m.End)
	}
	w.env.Progressf("re-attached to job %s on %s (started %s); its log from byte %d", m.ID, w.host, m.Started.Format(time.DateTime), m.Offset)
	if m.Showing > m.Offset {
		w.env.Progressf("the run before was stopped outright while it showed job %s's log up to byte %d: the lines from byte %d on may have shown already, and show again", m.ID, m.Showing, m.Offset)
		w.m.Showing = 0
	}
	if t := w.k.Timeout(); t > 0 && !m.Started.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, m.Started.Add(t))
		defer cancel()
	}
	return w.follow(ctx, j, true)
}

// follow polls j until it ends, ctx ends or the run stops watching.
func (w *jobWatch) follow(ctx context.Context, j *job.Job, reattached bool) (JobResult, error) {
	t := time.NewTimer(0)
	defer t.Stop()
	for lost := 0; ; {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return w.kill(ctx, j, reattached)
			}
			return JobResult{}, w.detach(ctx, ctx.Err())
		case <-w.k.Stop():
			return JobResult{}, w.detach(ctx, nil)
		case <-t.C:
		}
		st, err := w.pollOnce(ctx, j)
		switch {
		case err != nil && ctx.Err() != nil:
			continue // ended or detached above
		case errors.Is(err, transport.ErrConnectionLost) && lost+1 < jobPollTries:
			lost++
			w.env.Progressf("lost the connection while polling job %s, which goes on; polling again", w.m.ID)
			t.Reset(w.poll)
			continue
		case err != nil:
			return JobResult{}, w.errorf("%w (the job may still run: resume the run to re-attach)", err)
		case st.State != job.Running:
			return w.ended(ctx, j, st, reattached)
		}
		lost = 0
		t.Reset(w.poll)
	}
}

// line shows a line of the job's log.
func (w *jobWatch) line(l string) {
	w.k.Line(l)
	if w.cmd.OnLine != nil {
		w.cmd.OnLine(transport.Stdout, l)
	}
}

// pollOnce polls j once and shows the lines its log gained. The journal
// learns first, on disk, how far the lines about to show reach
// (Mark.Showing), then, cheaply, that they showed (Mark.Offset): a run
// killed between the two leaves a journal that says which lines may have
// shown, and a resumed run shows them again saying so. Failed writes are
// the journal's to report.
func (w *jobWatch) pollOnce(ctx context.Context, j *job.Job) (job.Status, error) {
	var lines []string
	st, err := j.Poll(ctx, func(l string) { lines = append(lines, l) })
	if j.Offset() == w.m.Offset {
		return st, err
	}
	w.m.Showing = j.Offset()
	_ = w.k.Keep(w.m, true)
	for _, l := range lines {
		w.line(l)
	}
	w.m.Offset, w.m.Showing = j.Offset(), 0
	_ = w.k.Keep(w.m, false)
	return st, err
}

// ended records how j ended, removes its files once that is recorded,
// and returns its result.
func (w *jobWatch) ended(ctx context.Context, j *job.Job, st job.Status, reattached bool) (JobResult, error) {
	tail, err := j.Tail(ctx, jobTailLines)
	if err != nil {
		w.env.Progressf("warning: %v", err)
	}
	if st.State != job.Exited {
		w.m.End, w.m.Tail = job.EndLost, tail
		_ = w.k.Keep(w.m, true)
		reason := st.Reason
		if reason == "" {
			reason = "it is " + st.State.String() + " on its host"
		}
		return JobResult{Tail: tail}, w.errorf("%w: %s; its files are left in %s; the end of its log: %s", ErrJobLost, reason, w.m.Dir, strings.ReplaceAll(cmp.Or(tail, "(empty)"), "\n", "; "))
	}
	res := JobResult{ExitCode: st.ExitCode, Signal: st.Signal, Tail: tail, Reattached: reattached}
	w.m.End, w.m.ExitCode, w.m.Signal, w.m.Tail = job.EndExited, st.ExitCode, st.Signal, tail
	if err := w.k.Keep(w.m, true); err == nil {
		w.remove(ctx, j)
	}
	return res, nil
}

// kill ends j at the task's timeout, shows what its log gained, and
// returns its result with the deadline's error.
func (w *jobWatch) kill(ctx context.Context, j *job.Job, reattached bool) (JobResult, error) {
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jobKillGrace+time.Minute)
	defer cancel()
	if _, err := j.Kill(kctx, jobKillGrace); err != nil {
		return JobResult{}, w.errorf("at the task's timeout: %w (%w)", err, ctx.Err())
	}
	st, err := w.pollOnce(kctx, j)
	if err != nil {
		return JobResult{}, w.errorf("at the task's timeout: %w (%w)", err, ctx.Err())
	}
	res, err := w.ended(kctx, j, st, reattached)
	if err != nil || res.Signal == "" { // lost, or it ended by itself first
		return res, err
	}
	return res, w.errorf("killed (%s) at the task's timeout: %w", res.Signal, ctx.Err())
}

// detach leaves the job running and says how to re-attach; cause, when
// set, is the context's error.
func (w *jobWatch) detach(ctx context.Context, cause error) error {
	_ = w.k.Keep(w.m, true)
	err := w.errorf("%w (its log is %s/log); resume the run to re-attach", ErrJobDetached, w.m.Dir)
	if cause != nil {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// remove deletes the files of an ended job whose end is recorded.
func (w *jobWatch) remove(ctx context.Context, j *job.Job) {
	if err := j.Remove(context.WithoutCancel(ctx)); err != nil {
		w.env.Progressf("warning: %v", err)
	}
}

// errorf returns an error about the job, naming it (by its id once it
// has one, else by its key) and its host; the engine names the task.
func (w *jobWatch) errorf(format string, args ...any) error {
	return fmt.Errorf("job %s on host %s: %w", cmp.Or(w.m.ID, w.m.Key), w.host, fmt.Errorf(format, args...))
}

// loneKeeper is the JobKeeper of an Env made by NewEnv: no journal, no
// run to stop, nothing to sweep; peer gives the transports of peers.
type loneKeeper struct {
	host transport.Host
	name string
	peer func(HostRef) (transport.Host, error)
}

func (l loneKeeper) Host() transport.Host { return l.host }
func (l loneKeeper) HostName() string     { return l.name }

// Peer returns the loneKeeper of the peer ref.
func (l loneKeeper) Peer(ref HostRef) (JobKeeper, error) {
	if l.peer == nil {
		return nil, fmt.Errorf("host %s: %w", ref.Name, ErrNotPeer)
	}
	h, err := l.peer(ref)
	if err != nil {
		return nil, err
	}
	return loneKeeper{host: h, name: ref.Name, peer: l.peer}, nil
}

func (loneKeeper) Find(string) (job.Mark, bool)           { return job.Mark{}, false }
func (loneKeeper) Keep(job.Mark, bool) error              { return nil }
func (loneKeeper) Line(string)                            {}
func (loneKeeper) Stop() <-chan struct{}                  { return nil }
func (loneKeeper) Sweep(context.Context, *transport.Sudo) {}
func (loneKeeper) Timeout() time.Duration                 { return 0 }

var _ JobKeeper = loneKeeper{}

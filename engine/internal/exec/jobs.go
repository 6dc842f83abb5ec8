package exec

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/job"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/transport"
)

// DefaultJobMaxAge is how old the files of a job that no longer runs may
// grow on its host before a run that starts a job there removes them,
// when RunOptions.JobMaxAge is zero: 7 days.
const DefaultJobMaxAge = 7 * 24 * time.Hour

// killDetachedGrace is how long a detached job that the operator has
// killed at the end of a run gets between SIGTERM and SIGKILL.
const killDetachedGrace = 10 * time.Second

// DetachedJob is a detached job that a run left running on its host.
type DetachedJob struct {
	// Host is the inventory name of its host.
	Host string
	// Key names it among the jobs of its task instance.
	Key string
	// ID is its id, and Dir its directory on the host.
	ID, Dir string
}

// instanceJobs is the module.JobKeeper of one instance on one of its
// hosts (its own, or a peer): it records the instance's jobs in its
// result, and so in the journal, each under its host and key.
type instanceJobs struct {
	r      *runner
	inst   *compile.Instance
	res    *result
	target *compile.Host // the host its jobs run on
	quiet  *taskHost
}

var _ module.JobKeeper = (*instanceJobs)(nil)

// jobs returns the JobKeeper of inst on its own host, whose transport is
// th.
func (r *runner) jobs(inst *compile.Instance, res *result, th transport.Host) *instanceJobs {
	return r.jobsOn(inst, res, inst.Host(), th)
}

// jobsOn returns the JobKeeper of inst on target, its own host or a peer,
// whose transport is th.
func (r *runner) jobsOn(inst *compile.Instance, res *result, target *compile.Host, th transport.Host) *instanceJobs {
	return &instanceJobs{r: r, inst: inst, res: res, target: target, quiet: &taskHost{inner: th, run: r.hosts, inst: inst, target: target, tail: &lineTail{}, quiet: true}}
}

// Host returns the keeper's host with the task's sudo, showing no
// output.
func (k *instanceJobs) Host() transport.Host { return k.quiet }

// HostName returns the inventory name of the keeper's host.
func (k *instanceJobs) HostName() string { return k.target.Name() }

// Peer returns the keeper of the instance's jobs on its peer ref,
// connecting to it on first use.
func (k *instanceJobs) Peer(ref module.HostRef) (module.JobKeeper, error) {
	h, th, err := k.r.peerConn(k.inst, ref)
	if err != nil {
		return nil, err
	}
	return k.r.jobsOn(k.inst, k.res, h, th), nil
}

// found names the job of key on the keeper's host in result.jobsFound.
func (k *instanceJobs) found(key string) string { return k.target.Name() + "\x00" + key }

// mine reports whether m is the job of key on the keeper's host.
func (k *instanceJobs) mine(m job.Mark, key string) bool {
	return m.Key == key && m.Host == k.target.Name()
}

// Find returns the job a resumed run recorded under key on the keeper's
// host, once.
func (k *instanceJobs) Find(key string) (job.Mark, bool) {
	if k.res.jobsFound[k.found(key)] {
		return job.Mark{}, false
	}
	i := slices.IndexFunc(k.res.jobs, func(m job.Mark) bool { return k.mine(m, key) })
	if i < 0 {
		return job.Mark{}, false
	}
	if k.res.jobsFound == nil {
		k.res.jobsFound = map[string]bool{}
	}
	k.res.jobsFound[k.found(key)] = true
	return k.res.jobs[i], true
}

// Keep records m in the instance's result and journals it.
func (k *instanceJobs) Keep(m job.Mark, durable bool) error {
	m.Tail = k.r.secrets.Redact(m.Tail)
	if i := slices.IndexFunc(k.res.jobs, func(o job.Mark) bool { return k.mine(o, m.Key) }); i >= 0 {
		k.res.jobs[i] = m
	} else {
		k.res.jobs = append(k.res.jobs, m)
	}
	if k.res.jobsFound == nil {
		k.res.jobsFound = map[string]bool{}
	}
	k.res.jobsFound[k.found(m.Key)] = true
	if k.r.keepJobs != nil {
		if err := k.r.keepJobs(slices.Clone(k.res.jobs), durable); err != nil {
			return fmt.Errorf("record job %s: %w", m.ID, err)
		}
	}
	if k.r.opts.Journal == nil {
		return nil
	}
	if err := k.r.opts.Journal.Put(k.r.record(k.inst, k.res), durable); err != nil {
		return fmt.Errorf("%w: %w", ErrJournal, err)
	}
	return nil
}

// Line shows a line of a job's log as an output event.
func (k *instanceJobs) Line(line string) {
	k.r.hosts.output(k.inst, k.target, StreamJob, line)
}

// Stop returns RunOptions.Stop.
func (k *instanceJobs) Stop() <-chan struct{} { return k.r.opts.Stop }

// Timeout returns the task's timeout, else the run's.
func (k *instanceJobs) Timeout() time.Duration { return cmp.Or(k.inst.Timeout(), k.r.opts.Timeout) }

// Sweep removes the stale job files of the user that sudo makes it on the
// keeper's host, once per host and user in a run.
func (k *instanceJobs) Sweep(ctx context.Context, sudo *transport.Sudo) {
	user := "-"
	if s := k.quiet.sudo(sudo); s != nil {
		user = "sudo:" + s.User
	}
	once, _ := k.r.sweeps.LoadOrStore(k.target.Name()+"\x00"+user, &sync.Once{})
	once.(*sync.Once).Do(func() {
		n, err := job.Sweep(ctx, k.quiet, sudo, cmp.Or(k.r.opts.JobMaxAge, DefaultJobMaxAge))
		switch {
		case err != nil:
			k.progress("warning: %v", err)
		case n > 0:
			k.progress("removed the files of old jobs that no longer run: %d", n)
		}
	})
}

// progress emits a progress event of the instance.
func (k *instanceJobs) progress(format string, args ...any) {
	k.r.emit(Event{Kind: EventProgress, Task: k.inst.Task(), Module: k.inst.Module(), Host: k.inst.Host().Name(), Key: k.inst.Key(), Line: k.r.secrets.Redact(fmt.Sprintf(format, args...))})
}

// runningJobs returns the jobs of marks that may still run on their
// hosts.
func runningJobs(marks []job.Mark) []DetachedJob {
	var list []DetachedJob
	for _, m := range marks {
		if m.End == "" {
			list = append(list, DetachedJob{Host: m.Host, Key: m.Key, ID: m.ID, Dir: m.Dir})
		}
	}
	return list
}

// abandonJobs returns a copy of last in which the jobs that may still run
// on hosts are given up (job.EndAbandoned), and those jobs, given up at
// now. A host where last left no such job is an error wrapping
// ErrNoJobToAbandon, as is a journal with no run.
func abandonJobs(last *journal.Run, hosts []string, now time.Time) (*journal.Run, []journal.Abandoned, error) {
	if last == nil {
		return nil, nil, fmt.Errorf("%w: the journal holds no run of this playbook and inventory", ErrNoJobToAbandon)
	}
	run := *last
	run.Records = slices.Clone(last.Records)
	var abandoned []journal.Abandoned
	for i, rec := range run.Records {
		rec.Jobs = slices.Clone(rec.Jobs)
		for k, m := range rec.Jobs {
			if m.End == "" && slices.Contains(hosts, m.Host) {
				abandoned = append(abandoned, journal.Abandoned{Instance: rec.ID(), Job: m, At: now})
				rec.Jobs[k].End = job.EndAbandoned
			}
		}
		run.Records[i] = rec
	}
	for _, h := range hosts {
		if !slices.ContainsFunc(abandoned, func(a journal.Abandoned) bool { return a.Job.Host == h }) {
			return nil, nil, fmt.Errorf("%w on host %s: the last run left none there that may still run", ErrNoJobToAbandon, h)
		}
	}
	return &run, abandoned, nil
}

// killDetached kills the jobs that the run left running, when
// RunOptions.KillDetached says so, and journals their end. It runs after
// the walk, before the connections close.
func (r *runner) killDetached() {
	if r.opts.KillDetached == nil {
		return
	}
	var left []int
	var jobs []DetachedJob
	for id := range r.p.Instances() {
		if running := runningJobs(r.results[id].jobs); len(running) > 0 && r.results[id].status != StatusOK && r.results[id].status != StatusChanged {
			left, jobs = append(left, id), append(jobs, running...)
		}
	}
	if len(left) == 0 || !r.opts.KillDetached(jobs) {
		return
	}
	for _, id := range left {
		inst, res := r.p.Instances()[id], &r.results[id]
		for i, m := range res.jobs {
			if m.End != "" {
				continue
			}
			h := inst.Holds(m.Host)
			if h == nil {
				continue
			}
			th, err := r.conns.get(h)
			if err != nil {
				continue
			}
			k := r.jobsOn(inst, res, h, th)
			k.progress("killing job %s on %s", m.ID, m.Host)
			if err := killJob(k.quiet, m); err != nil {
				k.progress("warning: %v", err)
				continue
			}
			res.jobs[i].End = job.EndKilled
		}
		if r.opts.Journal != nil {
			_ = r.opts.Journal.Put(r.record(inst, res), true) // a failed write is reported when the run ends
		}
	}
}

// killJob kills the job m on host.
func killJob(host transport.Host, m job.Mark) error {
	j, err := job.Attach(host, m.SudoOf(), m.Ref, m.Offset)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), killDetachedGrace+time.Minute)
	defer cancel()
	_, err = j.Kill(ctx, killDetachedGrace)
	return err
}

package exec

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/job"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// Run runs the playbook: every instance once all it depends on has
// succeeded (or was skipped by its when), up to opts.Parallel at once and
// opts.PerHost per host, an instance counting on its peers as well as on
// its own host. A failure skips what depends on it, transitively,
// and nothing else unless opts.FailFast is set. Hosts are connected when
// first needed and closed at the end. With opts.Journal the run is
// recorded, and with opts.Resume it continues the recorded one.
//
// Run returns when the walk has ended and every subscriber has seen the
// run_finished event. The error wraps ErrInterrupted when ctx was
// cancelled or opts.Stop closed, ErrTaskFailed when an instance failed,
// ErrHostUnreachable when a host could not be reached, and ErrJournal
// when the journal could not be written; the report is complete in every
// case. When the run cannot start (bad options, a resume that is refused)
// Run returns a nil report and an error, having run nothing.
func Run(ctx context.Context, p *compile.Program, opts RunOptions) (*Report, error) {
	if !p.Valid() {
		return nil, compile.ErrInvalid
	}
	if err := (&transport.Sudo{Password: opts.SudoPassword}).Validate(); err != nil {
		return nil, err
	}
	included, limited, err := p.LimitSet(opts.Limit)
	if err != nil {
		return nil, err
	}
	selected, err := p.TagSet(opts.Tags, opts.SkipTags)
	if err != nil {
		return nil, err
	}
	rerun, err := p.RerunSet(opts.Rerun)
	switch {
	case err != nil:
		return nil, err
	case len(opts.Rerun) > 0 && !opts.Resume:
		return nil, errors.New("rerun: only a resumed run runs instances again; a new run runs every instance")
	case opts.Check && (opts.Journal != nil || opts.Resume):
		return nil, errCheckJournal
	}
	r := newRunner(ctx, p, opts, included, limited)
	r.selected = selected
	if err := r.beginJournal(rerun); err != nil {
		r.bus.close()
		return nil, err
	}
	total := 0
	for _, in := range included {
		if in {
			total++
		}
	}
	start := time.Now()
	r.emit(Event{Kind: EventRunStarted, Total: total, Check: opts.Check})
	for id, inst := range p.Instances() {
		if res := &r.results[id]; res.restored {
			r.finished(inst, res)
		}
	}
	walk := dag.WalkOptions{
		Parallel: orDefault(opts.Parallel, DefaultParallel),
		Group:    func(node int) int { return p.Instances()[r.id(node)].Host().Index() },
		Also:     func(node int) []int { return hostIndexes(p.Instances()[r.id(node)].Peers()) },
		PerGroup: orDefault(opts.PerHost, DefaultPerHost),
		FailFast: opts.FailFast,
		Stop:     opts.Stop,
	}
	g := r.walkGraph()
	walkErr := g.Walk(ctx, walk, r.visit, r.settle)
	r.killDetached()
	closeErr := r.conns.closeAll()
	report := r.report(time.Since(start), r.stopped())
	report.Interrupted = report.Interrupted && slices.ContainsFunc(report.Instances, func(i InstanceResult) bool { return i.Status == StatusCancelled })
	journalErr := r.endJournal()
	runErr := r.runError(report, errors.Join(walkErr, closeErr, journalErr))
	finished := Event{Kind: EventRunFinished, Duration: report.Duration}
	if report.Interrupted {
		finished.Error = ErrInterrupted.Error()
	}
	r.emit(finished)
	r.bus.close()
	return report, runErr
}

// hostIndexes returns the indexes of hosts.
func hostIndexes(hosts []*compile.Host) []int {
	list := make([]int, len(hosts))
	for i, h := range hosts {
		list[i] = h.Index()
	}
	return list
}

// orDefault returns n, or def when n is not positive.
func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// peerLeftOut returns the first peer of inst that the limit leaves out,
// or nil.
func (r *runner) peerLeftOut(inst *compile.Instance) *compile.Host {
	return peerLeftOut(inst, r.limited)
}

// walkGraph returns the graph to walk: the playbook's, or under a limit
// or when resuming, the graph of the included instances that are not
// restored, have no peer left out and need no instance left out. Those
// that do are recorded as skipped here; a restored instance counts as
// done. r.nodes maps the nodes of such a graph to instance ids.
func (r *runner) walkGraph() *dag.Graph {
	p := r.p
	restored := func(id int) bool { return r.results[id].restored }
	if !slices.Contains(r.included, false) && !slices.ContainsFunc(p.Instances(), func(inst *compile.Instance) bool { return restored(inst.ID()) || r.peerLeftOut(inst) != nil }) {
		return p.Graph()
	}
	walked := make([]bool, len(p.Instances()))
	for id := range walked {
		walked[id] = r.included[id] && !restored(id)
	}
	for _, skip := range LimitSkips(p, r.included, r.limited, restored) {
		walked[skip.ID] = false
		inst, res := p.Instances()[skip.ID], &r.results[skip.ID]
		res.status, res.err = StatusSkipped, &safeError{msg: skip.Error}
		r.finished(inst, res)
	}
	index := make([]int, len(p.Instances()))
	for id, w := range walked {
		if w {
			index[id] = len(r.nodes)
			r.nodes = append(r.nodes, id)
		}
	}
	g := dag.New(len(r.nodes))
	for n, id := range r.nodes {
		for _, d := range p.Instances()[id].Deps() {
			if walked[d] {
				g.AddEdge(n, index[d])
			}
		}
		for _, d := range p.Instances()[id].Waits() {
			if walked[d] {
				g.AddWaitEdge(n, index[d])
			}
		}
	}
	return g
}

// id returns the instance id of a node of the walked graph.
func (r *runner) id(node int) int {
	if r.nodes == nil {
		return node
	}
	return r.nodes[node]
}

// runner is the state of one run.
type runner struct {
	ctx       context.Context // the run's context, as the caller gave it
	p         *compile.Program
	opts      RunOptions
	bus       *bus
	conns     *conns
	hosts     *hostRun // what the transports given to modules share
	secrets   *lang.Redactor
	included  []bool
	selected  []bool                 // by instance id, what RunOptions.Tags and SkipTags select; nil for every instance
	limited   map[*compile.Host]bool // the hosts RunOptions.Limit keeps; nil without a limit
	nodes     []int                  // under a limit: the instance id of each node walked
	results   []result               // by instance id
	outputs   []cty.Value            // by instance id: the outputs object of a finished instance
	confirmMu sync.Mutex
	sweeps    sync.Map                 // of *sync.Once, by host name and sudo user: the sweeps of old jobs done
	throttles map[string]chan struct{} // by task name: a slot per instance of a throttled task that may run
	abandoned []AbandonedJob           // the jobs of the last run given up when this one began
	batchMu   sync.Mutex
	failed    map[batchStart]int           // how many hosts failed before a batch, counted when its first instance starts
	cutOff    bool                         // a step run again after its first try was cut off, its end unknown (see StepInput.CutOff)
	keepJobs  func([]job.Mark, bool) error // a step's StepHooks.Keep
}

// batchStart is the start of one batch: the batches and the index of the
// batch.
type batchStart struct {
	b *compile.Batch
	k int
}

// batchFailures returns how many hosts failed in the batches of b before
// the one numbered k: those where an instance of b failed (its failure
// not ignored) or could not reach its host. Every instance of those
// batches has ended when one of batch k starts.
func (r *runner) batchFailures(b *compile.Batch, k int) int {
	r.batchMu.Lock()
	defer r.batchMu.Unlock()
	key := batchStart{b, k}
	if n, ok := r.failed[key]; ok {
		return n
	}
	hosts := map[*compile.Host]bool{}
	for _, inst := range b.Before(k) {
		if res := r.results[inst.ID()]; res.status == StatusFailed && !res.ignored || res.unreachable {
			hosts[inst.Host()] = true
		}
	}
	r.failed[key] = len(hosts)
	return len(hosts)
}

// result is how an instance ended, as the run records it.
type result struct {
	status      Status
	err         error
	dur         time.Duration
	outputs     map[string]any
	changed     bool // it failed after its module reported a change
	unreachable bool
	ignored     bool
	attempts    int
	stderr      string
	started     time.Time         // when its module first started; zero if it never did
	repeatable  bool              // its module said it is safe to repeat, when it started
	lost        bool              // it failed, and an attempt lost its connection mid-way
	whenFalse   bool              // skipped because its when was false
	restored    bool              // not run: restored from the journal of the run it resumes
	jobs        []job.Mark        // its detached jobs, carried over from the run it resumes or started by it
	jobsFound   map[string]bool   // the jobs its module asked for, by host and key, so that each is found once
	reason      string            // why it was skipped without an error, if it was
	throttled   bool              // it holds a slot of its task's throttle until its end is told
	diffs       []module.FileDiff // the changes its module made, or would make, to files
}

// newRunner prepares a run.
func newRunner(ctx context.Context, p *compile.Program, opts RunOptions, included []bool, limited map[*compile.Host]bool) *runner {
	r := &runner{
		ctx:      ctx,
		p:        p,
		opts:     opts,
		bus:      newBus(opts.Subscribers),
		secrets:  &lang.Redactor{},
		included: included,
		limited:  limited,
		results:  make([]result, len(p.Instances())),
		outputs:  make([]cty.Value, len(p.Instances())),
		failed:   map[batchStart]int{},
	}
	r.secrets.Add(p.Secrets()...)
	r.throttles = map[string]chan struct{}{}
	for _, inst := range p.Instances() {
		if n := inst.Throttle(); n > 0 && r.throttles[inst.Task()] == nil {
			r.throttles[inst.Task()] = make(chan struct{}, n)
		}
	}
	r.secrets.Add(opts.SudoPassword)
	r.conns = newConns(p.Hosts(), opts.Connect, r.bus.emit, r.secrets)
	r.hosts = &hostRun{bus: r.bus, secrets: r.secrets, conns: r.conns, outputLimit: opts.OutputLimit, sudoPassword: opts.SudoPassword}
	return r
}

// stopped reports whether the run was told to stop: its context is done
// or RunOptions.Stop is closed.
func (r *runner) stopped() bool {
	if r.ctx.Err() != nil {
		return true
	}
	select {
	case <-r.opts.Stop:
		return true
	default:
		return false
	}
}

// emit sends an event to the subscribers.
func (r *runner) emit(e Event) { r.bus.emit(e) }

// settle records an instance the walk did not visit: skipped because
// something it needs did not succeed, or cancelled.
func (r *runner) settle(node int, o dag.Outcome, cause int) {
	id := r.id(node)
	res := &r.results[id]
	if res.status != "" {
		return // visited, and recorded then
	}
	inst := r.p.Instances()[id]
	switch {
	case o == dag.Cancelled && r.stopped():
		res.status = StatusCancelled
		res.err = fmt.Errorf("%s: not run: %w", inst.Label(), ErrInterrupted)
	case o == dag.Cancelled:
		res.status = StatusCancelled
		res.err = fmt.Errorf("%s: not run: the run stopped at the first failure", inst.Label())
	case r.batchStopped(inst, r.id(cause)):
		res.status, res.reason = StatusSkipped, ReasonBatchStopped
	default:
		res.status = StatusSkipped
		res.err = r.needsError(inst, r.id(cause))
		res.unreachable = r.conns.unreachableOf(inst) != nil
	}
	r.finished(inst, res)
}

// batchStopped reports whether inst needs the instance cause of its own
// batch, which did not start as its batch was stopped: inst did not start
// for the same reason.
func (r *runner) batchStopped(inst *compile.Instance, cause int) bool {
	b := inst.Batch()
	return b != nil && r.results[cause].reason == ReasonBatchStopped && r.p.Instances()[cause].Batch() == b
}

// needsError says that inst did not run because the instance cause did
// not succeed. When that was because a host could not be reached, the
// error wraps ErrHostUnreachable.
func (r *runner) needsError(inst *compile.Instance, cause int) error {
	c := r.p.Instances()[cause]
	e := &safeError{msg: NotRunMessage(inst.Info(), c.Info(), r.why(cause))}
	if errors.Is(r.results[cause].err, ErrHostUnreachable) {
		e.causes = []error{ErrHostUnreachable}
	}
	return e
}

// why says why an instance did not succeed, for the messages of those
// that needed it.
func (r *runner) why(node int) string {
	res, inst := r.results[node], r.p.Instances()[node]
	switch {
	case !r.included[node]:
		return "the limit leaves out"
	case res.unreachable:
		if h := r.conns.unreachableOf(inst); h != nil && h != inst.Host() {
			return "could not reach its peer " + h.Name()
		}
		return "could not reach its host"
	case r.peerLeftOut(inst) != nil:
		return "the limit skips, as it leaves out its peer " + r.peerLeftOut(inst).Name()
	case res.status == StatusFailed:
		return "failed"
	}
	return "did not run"
}

// finished sends the task_finished event of an instance.
func (r *runner) finished(inst *compile.Instance, res *result) {
	e := Event{
		Kind: EventTaskFinished, Task: inst.Task(), Module: inst.Module(), Host: inst.Host().Name(), Key: inst.Key(),
		Status: res.status, Changed: res.changed, Duration: res.dur, Outputs: res.outputs, Attempt: res.attempts, Restored: res.restored, Reason: res.reason,
		Check: r.opts.Check, Diffs: res.diffs,
	}
	if res.err != nil {
		e.Error = res.err.Error()
	}
	r.journalFinished(inst, res)
	r.emit(e)
}

// report builds the report of the run.
func (r *runner) report(d time.Duration, interrupted bool) *Report {
	rep := &Report{Duration: d, Interrupted: interrupted, Check: r.opts.Check, Abandoned: r.abandoned, Instances: make([]InstanceResult, 0, len(r.p.Instances()))}
	for i, inst := range r.p.Instances() {
		if !r.included[i] {
			continue
		}
		res := r.results[i]
		if res.status == "" { // never reached: the walk was stopped
			res.status = StatusCancelled
			res.err = fmt.Errorf("%s: %w", inst.Label(), ErrInterrupted)
		}
		rep.Instances = append(rep.Instances, InstanceResult{
			InstanceInfo: inst.Info(),
			Status:       res.status,
			Changed:      res.status == StatusChanged || res.changed,
			Duration:     res.dur,
			Err:          res.err,
			Outputs:      res.outputs,
			Unreachable:  res.unreachable,
			StderrTail:   res.stderr,
			Attempts:     res.attempts,
			Ignored:      res.ignored,
			Restored:     res.restored,
			Detached:     runningJobs(res.jobs),
			Reason:       res.reason,
			Diffs:        res.diffs,
		})
	}
	return rep
}

// unreachableHosts names the hosts of an instance that proved
// unreachable in this run, its own and its peers; its own when none did,
// as for an instance restored from the journal.
func (r *runner) unreachableHosts(info compile.InstanceInfo) []string {
	names := slices.DeleteFunc(append([]string{info.Host}, info.Peers...), func(name string) bool {
		return !r.conns.unreachable(r.p.Host(name))
	})
	if len(names) == 0 {
		return []string{info.Host}
	}
	return names
}

// runError returns the error of the run: interrupted, failed instances,
// unreachable hosts, and any error closing the hosts.
func (r *runner) runError(rep *Report, other error) error {
	return ReportError(rep, r.unreachableHosts, other)
}

// ReportError returns the error of a run that ended with rep: interrupted,
// unreachable hosts (those unreachable names for an unreachable instance),
// failed instances, and other unless it is a cancellation.
func ReportError(rep *Report, unreachableHosts func(compile.InstanceInfo) []string, other error) error {
	var errs []error
	if rep.Interrupted {
		errs = append(errs, ErrInterrupted)
	}
	var failed []string
	var first error
	unreachable := map[string]bool{}
	for _, res := range rep.Instances {
		if res.Unreachable {
			for _, name := range unreachableHosts(res.InstanceInfo) {
				unreachable[name] = true
			}
		}
		if res.Failed() {
			failed = append(failed, res.ID())
			if first == nil {
				first = res.Err
			}
		}
	}
	if len(unreachable) > 0 {
		errs = append(errs, fmt.Errorf("%w: %s", ErrHostUnreachable, strings.Join(slices.Sorted(maps.Keys(unreachable)), ", ")))
	}
	if len(failed) > 0 {
		errs = append(errs, fmt.Errorf("%w: %d of %d instances failed (%s); first: %w", ErrTaskFailed, len(failed), len(rep.Instances), strings.Join(failed, ", "), first))
	}
	if other != nil && !errors.Is(other, context.Canceled) && !errors.Is(other, context.DeadlineExceeded) {
		errs = append(errs, other)
	}
	return errors.Join(errs...)
}

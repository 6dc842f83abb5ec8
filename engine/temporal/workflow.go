package temporal

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/exec"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names of the workflow, its activity, query and signal.
const (
	workflowName = "runbook.run"
	stepName     = "runbook.step"
	queryName    = "runbook.progress"
	signalRerun  = "runbook.force-rerun"
	signalAnswer = "runbook.answer"
	signalStop   = "runbook.stop"
)

// DefaultQueue is the task queue of the walks, and of the hosts whose
// inventory names none.
const DefaultQueue = "runbook"

// RunInput is the input of a run's workflow: the source every worker
// compiles the program from, the graph as the walk needs it, and the
// options of the run.
type RunInput struct {
	Source       Source
	Nodes        []Node // by instance id
	Parallel     int
	PerHost      int
	FailFast     bool
	Timeout      time.Duration // of an attempt, for tasks that set none
	OutputLimit  int
	SudoPassword string
	Yes          bool          // confirm every instance that asks
	Heartbeat    time.Duration // how soon a lost worker is noticed
	Carried      *Carried      // the walk so far, in a run that continues an earlier one
}

// Carried is what a run of the walk hands the run that continues it as
// new (its history grew past historyLimit): how each instance stands, by
// instance id, and how many events the earlier runs logged.
type Carried struct {
	Started  time.Time
	State    []int
	Outcome  []dag.Outcome
	Results  []exec.StepResult // without their events
	Sealed   []json.RawMessage
	Force    []bool
	Launches []int
	Yes      []bool
	Stopping string
	Events   int // logged by the earlier runs: this run's first is number Events
}

// historyLimit is how many events a run's history may hold before the
// walk continues as a new run: well below Temporal's cap (about 50,000
// events), as the steps running then still add theirs. Tests set it low.
var historyLimit = 10000

// historyBytes is how large a run's history may grow before the walk
// continues as a new run: well below Temporal's cap of 50 MB.
const historyBytes = 20 << 20

// historyFull reports whether the walk should continue as a new run: its
// history passed historyLimit or historyBytes, or the server suggests it.
func historyFull(info *workflow.Info) bool {
	return info.GetCurrentHistoryLength() > historyLimit || info.GetCurrentHistorySize() > historyBytes || info.GetContinueAsNewSuggested()
}

// Node is an instance as the walk sees it.
type Node struct {
	Info    compile.InstanceInfo
	Queue   string // the task queue of its host
	Deps    []int
	Reads   []int    // the instances whose outputs its arguments read
	Watches []int    // the instances of its on_change
	Hosts   []string // its host and peers, which its per-host limit counts on
	Detach  bool     // its task runs a detached job (detach = true), left running at a stop
	Out     bool     // the run's limit leaves it out: it is neither run nor shown
	Skip    string   // the error of an instance the limit keeps from running, skipped from the start
}

// Final is how a run ended, by instance id.
type Final struct {
	Results     []exec.StepResult // without their events
	Duration    time.Duration
	Interrupted bool
}

// Progress answers the progress query: the events from an offset, the
// instances held because they were cut off mid-way, and, once the walk
// has nothing left to run, how it ended.
type Progress struct {
	Events []exec.Event
	Next   int
	More   bool   // there are events after Next
	Base   int    // the number of this run's first event: those before are in earlier runs
	Prev   string // the run id of the run this one continues, when it does
	Held   []string
	Asking []Question // the confirmations the walk waits for, one at a time
	Final  *Final
}

// pageEvents is the most events one answer to the progress query holds.
const pageEvents = 2000

// Question is a confirmation the walk waits for: an instance whose
// sentence is Info.Confirm.
type Question struct {
	Info compile.InstanceInfo
}

// Answer is the operator's answer to a Question, sent as a signal.
type Answer struct {
	Name string // the instance, "task@host[key]"
	Yes  bool
	Why  string // why the answer is no, when it was not the operator's
}

// StepRequest is the input of a step activity.
type StepRequest struct {
	Step  exec.StepInput
	Force bool // run it again even after a try cut off mid-way
}

// node states of the walk.
const (
	pending = iota
	running
	held   // cut off mid-way; waits for a force-rerun signal
	asking // waits for the operator's answer to its confirmation
	ended
)

// walk is the state of a run's workflow.
type walk struct {
	in       RunInput
	state    []int
	outcome  []dag.Outcome
	results  []exec.StepResult
	sealed   []json.RawMessage
	force    []bool
	launches []int    // by instance id, how many times its step was started
	asks     []string // by instance id, the sentence an asking instance asks
	yes      []bool   // by instance id, the operator confirmed it
	events   []exec.Event
	base     int // the number of events[0]: the earlier runs logged those before
	prev     string
	cancels  map[int]workflow.CancelFunc // by instance id, cancels its running step
	running  int
	started  int // steps this run of the walk started
	perHost  map[string]int
	stopping string // why nothing more starts: empty while the walk goes on
	final    *Final
}

// RunWorkflow walks the graph of a run: it hands each instance whose
// dependencies ended to a worker of its host's queue, as many at once as
// the limits allow, settles those whose dependencies failed, stops at the
// first failure with FailFast, and holds the instances cut off mid-way
// until a force-rerun signal names them or the run is cancelled.
//
// A stop signal stops the run gently, as engine.RunOptions.Stop does: no
// instance starts any more, the steps of detached tasks are cancelled at
// once (their jobs go on on their hosts), and the other running steps go
// on until they end or the run is cancelled. Cancelling the run cancels
// every running step.
func RunWorkflow(ctx workflow.Context, in RunInput) (*Final, error) {
	n := len(in.Nodes)
	w := &walk{in: in, state: make([]int, n), outcome: make([]dag.Outcome, n), results: make([]exec.StepResult, n),
		sealed: make([]json.RawMessage, n), force: make([]bool, n), launches: make([]int, n), asks: make([]string, n), yes: make([]bool, n), cancels: map[int]workflow.CancelFunc{}, perHost: map[string]int{}}
	if err := workflow.SetQueryHandler(ctx, queryName, w.progress); err != nil {
		return nil, err
	}
	start := workflow.Now(ctx)
	if c := in.Carried; c != nil {
		start, w.base, w.prev, w.stopping = c.Started, c.Events, workflow.GetInfo(ctx).ContinuedExecutionRunID, c.Stopping
		w.state, w.outcome, w.results, w.sealed, w.force, w.launches, w.yes = c.State, c.Outcome, c.Results, c.Sealed, c.Force, c.Launches, c.Yes
		w.in.Carried = nil
	} else {
		w.begin(ctx)
	}
	actx, cancelSteps := workflow.WithCancel(ctx)
	rerun := workflow.GetSignalChannel(ctx, signalRerun)
	answers := workflow.GetSignalChannel(ctx, signalAnswer)
	stops := workflow.GetSignalChannel(ctx, signalStop)
	futures := map[int]workflow.Future{}
	cancelled := false
	continuing := false
	for {
		// A stop that came with the end of a step counts before it: no
		// step starts after it.
		for stops.ReceiveAsync(nil) {
			w.stopGently()
		}
		w.settle(ctx)
		// Past the history's limits, the walk starts nothing more and
		// continues as new once the running steps end; a run that started
		// none yet goes on, as one with nothing but its input would
		// continue forever.
		if w.stopping == "" && !continuing && w.started > 0 && historyFull(workflow.GetInfo(ctx)) {
			continuing = true
		}
		if continuing && w.running == 0 && !cancelled && slices.ContainsFunc(w.state, func(s int) bool { return s != ended }) {
			return nil, w.continueAsNew(ctx, start, rerun, answers)
		}
		if w.stopping == "" && !continuing {
			for id := range w.in.Nodes {
				if w.ready(id) {
					futures[id] = w.launch(actx, id)
				}
			}
		}
		waiting := slices.Contains(w.state, held) || slices.Contains(w.state, asking)
		if w.running == 0 && (!waiting || w.stopping != "") {
			break
		}
		if w.running == 0 && slices.Contains(w.state, held) {
			w.final = w.finish(ctx, start)
		}
		sel := workflow.NewSelector(ctx)
		for _, id := range slices.Sorted(maps.Keys(futures)) { // in a fixed order: the walk replays
			sel.AddFuture(futures[id], func(f workflow.Future) {
				delete(futures, id)
				w.ended(ctx, id, f)
			})
		}
		sel.AddReceive(rerun, func(c workflow.ReceiveChannel, _ bool) {
			var names []string
			c.Receive(ctx, &names)
			w.rerun(names)
		})
		sel.AddReceive(answers, func(c workflow.ReceiveChannel, _ bool) {
			var a Answer
			c.Receive(ctx, &a)
			w.answer(ctx, a)
		})
		sel.AddReceive(stops, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(ctx, nil)
			w.stopGently()
		})
		if !cancelled {
			sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {
				cancelled = true
				w.stop(exec.ErrInterrupted.Error())
				cancelSteps()
			})
		}
		sel.Select(ctx)
		if w.stopping != "" && w.stopping != exec.ErrInterrupted.Error() && w.in.FailFast {
			cancelSteps()
		}
	}
	cancelSteps()
	for id, s := range w.state {
		switch s {
		case held:
			w.state[id], w.outcome[id] = ended, dag.Failed
		case asking:
			w.state[id] = pending // cancelled by settle, as the walk stops
		}
	}
	w.settle(ctx)
	w.final = w.finish(ctx, start)
	finished := exec.Event{Kind: exec.EventRunFinished, Duration: w.final.Duration}
	if w.final.Interrupted {
		finished.Error = exec.ErrInterrupted.Error()
	}
	w.emit(ctx, finished)
	return w.final, nil
}

// begin logs the start of the run and ends the instances that never
// run: those the limit leaves out or skips.
func (w *walk) begin(ctx workflow.Context) {
	total := 0
	for _, nd := range w.in.Nodes {
		if !nd.Out {
			total++
		}
	}
	w.emit(ctx, exec.Event{Kind: exec.EventRunStarted, Total: total})
	for id, nd := range w.in.Nodes {
		switch {
		case nd.Out:
			w.state[id], w.outcome[id] = ended, dag.Failed
		case nd.Skip != "":
			w.end(ctx, id, exec.StepResult{Outcome: dag.Failed, Status: exec.StatusSkipped, Error: nd.Skip}, true)
		}
	}
}

// continueAsNew returns the error that continues the walk as a new run,
// carrying how each instance stands; the signals received meanwhile are
// applied first, so that none is lost.
func (w *walk) continueAsNew(ctx workflow.Context, start time.Time, rerun, answers workflow.ReceiveChannel) error {
	var names []string
	for rerun.ReceiveAsync(&names) {
		w.rerun(names)
	}
	var a Answer
	for answers.ReceiveAsync(&a) {
		w.answer(ctx, a)
	}
	for id, s := range w.state {
		if s == asking {
			w.state[id] = pending // asks again in the new run
		}
	}
	next := w.in
	next.Carried = &Carried{Started: start, State: w.state, Outcome: w.outcome, Results: w.results, Sealed: w.sealed,
		Force: w.force, Launches: w.launches, Yes: w.yes, Stopping: w.stopping, Events: w.base + len(w.events)}
	return workflow.NewContinueAsNewError(ctx, workflowName, next)
}

// progress answers the progress query: from counts the events of the
// earlier runs too.
func (w *walk) progress(from int) (*Progress, error) {
	if from < w.base {
		return &Progress{Next: from, Base: w.base, Prev: w.prev}, nil
	}
	if from > w.base+len(w.events) {
		return nil, fmt.Errorf("no event %d", from)
	}
	to := min(from-w.base+pageEvents, len(w.events))
	p := &Progress{Events: w.events[from-w.base : to], Next: w.base + to, More: to < len(w.events), Base: w.base, Prev: w.prev, Final: w.final}
	for id, s := range w.state {
		switch s {
		case held:
			p.Held = append(p.Held, w.in.Nodes[id].Info.ID())
		case asking:
			if len(p.Asking) == 0 {
				info := w.in.Nodes[id].Info
				info.Confirm = w.asks[id]
				p.Asking = append(p.Asking, Question{Info: info})
			}
		}
	}
	return p, nil
}

// emit appends an event to the run's events, numbered and stamped by
// workflow time when it has no time of its own.
func (w *walk) emit(ctx workflow.Context, e exec.Event) {
	e.Seq = uint64(w.base + len(w.events) + 1)
	if e.Time.IsZero() {
		e.Time = workflow.Now(ctx)
	}
	w.events = append(w.events, e)
}

// stop starts nothing more, for why.
func (w *walk) stop(why string) {
	if w.stopping == "" {
		w.stopping = why
	}
}

// stopGently stops the walk at a stop signal: nothing more starts, and
// the running steps of detached tasks are cancelled, their jobs going on
// on their hosts.
func (w *walk) stopGently() {
	w.stop(exec.ErrInterrupted.Error())
	for _, id := range slices.Sorted(maps.Keys(w.cancels)) {
		if w.in.Nodes[id].Detach {
			w.cancels[id]()
		}
	}
}

// ready reports whether instance id may start now: pending, every
// dependency done or skipped by its when, and room under the limits.
func (w *walk) ready(id int) bool {
	if w.state[id] != pending || w.running >= cmp.Or(w.in.Parallel, exec.DefaultParallel) {
		return false
	}
	nd := w.in.Nodes[id]
	for _, d := range nd.Deps {
		if w.state[d] != ended || (w.outcome[d] != dag.Done && w.outcome[d] != dag.Skipped) {
			return false
		}
	}
	for _, h := range nd.Hosts {
		if w.perHost[h] >= cmp.Or(w.in.PerHost, exec.DefaultPerHost) {
			return false
		}
	}
	return true
}

// settle ends the pending instances that cannot run: those a dependency
// of which failed (skipped, and failing what needs them in turn), and,
// once the walk stops, every other pending one (cancelled).
func (w *walk) settle(ctx workflow.Context) {
	for changed := true; changed; {
		changed = false
		for id, nd := range w.in.Nodes {
			if w.state[id] != pending {
				continue
			}
			cause := slices.IndexFunc(nd.Deps, func(d int) bool {
				return w.state[d] == ended && w.outcome[d] != dag.Done && w.outcome[d] != dag.Skipped
			})
			res := exec.StepResult{Outcome: dag.Failed, Status: exec.StatusSkipped}
			switch {
			case cause >= 0:
				c := nd.Deps[cause]
				res.Unreachable = w.results[c].Unreachable
				res.Error = exec.NotRunMessage(nd.Info, w.in.Nodes[c].Info, w.why(c))
			case w.stopping != "":
				res.Outcome, res.Status = dag.Cancelled, exec.StatusCancelled
				res.Error = fmt.Sprintf("task %s on host %s: not run: %s", nd.Info.Task, nd.Info.Host, w.stopping)
			default:
				continue
			}
			w.end(ctx, id, res, true)
			changed = true
		}
	}
}

// why says why an instance did not succeed, for those that needed it.
func (w *walk) why(id int) string {
	switch res := w.results[id]; {
	case res.Unreachable:
		return "could not reach its host"
	case res.Status == exec.StatusFailed:
		return "failed"
	}
	return "did not run"
}

// launch starts the step of instance id on its host's queue.
func (w *walk) launch(ctx workflow.Context, id int) workflow.Future {
	nd := w.in.Nodes[id]
	w.state[id] = running
	w.running++
	for _, h := range nd.Hosts {
		w.perHost[h]++
	}
	req := StepRequest{Step: exec.StepInput{ID: id, Outputs: map[int]json.RawMessage{}, Confirmed: w.in.Yes || w.yes[id]}, Force: w.force[id]}
	for _, r := range nd.Reads {
		if w.sealed[r] != nil {
			req.Step.Outputs[r] = w.sealed[r]
		}
	}
	for _, c := range nd.Watches {
		if w.results[c].Changed {
			req.Step.Changed = append(req.Step.Changed, c)
		}
	}
	hb := w.in.Heartbeat
	if hb <= 0 {
		hb = DefaultHeartbeat
	}
	w.launches[id]++
	w.started++
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          stepID(id, w.launches[id]),
		TaskQueue:           nd.Queue,
		StartToCloseTimeout: stepTimeout,
		HeartbeatTimeout:    hb,
		WaitForCancellation: true,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 1, MaximumAttempts: 0},
	})
	actx, w.cancels[id] = workflow.WithCancel(actx)
	return workflow.ExecuteActivity(actx, stepName, req)
}

// stepID is the activity id of the nth start of the step of instance id.
func stepID(id, n int) string { return fmt.Sprintf("step-%d-%d", id, n) }

// instanceOf returns the instance id of a step's activity id, or -1.
func instanceOf(activityID string) int {
	var id, n int
	if _, err := fmt.Sscanf(activityID, "step-%d-%d", &id, &n); err != nil {
		return -1
	}
	return id
}

// DefaultHeartbeat is how long a step may go without a heartbeat before
// Temporal deems its worker lost and hands it to another.
const DefaultHeartbeat = 10 * time.Second

// stepTimeout bounds one try of a step; the task's own timeout and
// losing the worker (by its heartbeats) end it much sooner.
const stepTimeout = 7 * 24 * time.Hour

// ended records the end of the step of instance id.
func (w *walk) ended(ctx workflow.Context, id int, f workflow.Future) {
	nd := w.in.Nodes[id]
	delete(w.cancels, id)
	w.running--
	for _, h := range nd.Hosts {
		w.perHost[h]--
	}
	var res exec.StepResult
	if err := f.Get(ctx, &res); err != nil {
		res = exec.StepResult{Outcome: dag.Failed, Status: exec.StatusFailed,
			Error: fmt.Sprintf("task %s on host %s: %v", nd.Info.Task, nd.Info.Host, stepError(err))}
		if errors.As(err, new(*temporal.CanceledError)) {
			res.Outcome, res.Status = dag.Cancelled, exec.StatusCancelled
			res.Error = fmt.Sprintf("task %s on host %s: %v", nd.Info.Task, nd.Info.Host, exec.ErrInterrupted)
		}
		w.emit(ctx, finishedEvent(nd.Info, &res))
	}
	if res.Asks != "" && w.stopping == "" {
		w.state[id], w.asks[id] = asking, res.Asks // its events say only that it was refused
		return
	}
	for _, e := range res.Events {
		w.emit(ctx, e)
	}
	res.Events = nil
	if res.CutOff && w.stopping == "" {
		w.state[id], w.results[id] = held, res
		return
	}
	w.sealed[id] = res.Sealed
	res.Sealed = nil
	w.end(ctx, id, res, false)
	w.failFast(res)
}

// failFast stops the walk after a failure, with FailFast.
func (w *walk) failFast(res exec.StepResult) {
	if res.Outcome == dag.Failed && w.in.FailFast {
		w.stop("the run stopped at the first failure")
	}
}

// stepError is the error of a step that did not return a result, as the
// instance's error shows it.
func stepError(err error) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return errors.New(app.Message())
	}
	return err
}

// end records how instance id ended; tell emits its task_finished event,
// which a step emitted itself.
func (w *walk) end(ctx workflow.Context, id int, res exec.StepResult, tell bool) {
	w.state[id], w.outcome[id], w.results[id] = ended, res.Outcome, res
	if tell {
		w.emit(ctx, finishedEvent(w.in.Nodes[id].Info, &res))
	}
}

// finishedEvent is the task_finished event of an instance the walk ended
// itself.
func finishedEvent(info compile.InstanceInfo, res *exec.StepResult) exec.Event {
	return exec.Event{Kind: exec.EventTaskFinished, Task: info.Task, Module: info.Module, Host: info.Host, Key: info.Key,
		Status: res.Status, Error: res.Error}
}

// answer records the operator's answer to the confirmation an instance
// asks: yes runs it, no fails it.
func (w *walk) answer(ctx workflow.Context, a Answer) {
	for id, nd := range w.in.Nodes {
		if w.state[id] != asking || nd.Info.ID() != a.Name {
			continue
		}
		if a.Yes {
			w.state[id], w.yes[id] = pending, true
			return
		}
		why := fmt.Sprintf("the answer to %q was no", w.asks[id])
		if a.Why != "" {
			why = a.Why
		}
		res := exec.StepResult{Outcome: dag.Failed, Status: exec.StatusFailed,
			Error: fmt.Sprintf("task %s on host %s: %v: %s", nd.Info.Task, nd.Info.Host, exec.ErrConfirmationRefused, why)}
		w.end(ctx, id, res, true)
		w.failFast(res)
	}
}

// rerun sets the held instances that names name pending again, to run
// whatever their modules say.
func (w *walk) rerun(names []string) {
	for id, nd := range w.in.Nodes {
		if w.state[id] == held && slices.Contains(names, nd.Info.ID()) {
			w.state[id], w.force[id] = pending, true
		}
	}
}

// finish returns how the run ended so far: held instances count as
// failed.
func (w *walk) finish(ctx workflow.Context, start time.Time) *Final {
	f := &Final{Results: slices.Clone(w.results), Duration: workflow.Now(ctx).Sub(start), Interrupted: w.stopping == exec.ErrInterrupted.Error()}
	for id, s := range w.state {
		if s == held {
			f.Results[id].Outcome = dag.Failed
		}
	}
	return f
}

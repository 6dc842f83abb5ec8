package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/job"
	"github.com/zclconf/go-cty/cty"
)

// Steps runs single instances of a Program for an executor that walks
// the graph itself, elsewhere (package engine/temporal): each Run is one
// instance, given the outputs of the instances it reads. Steps keeps one
// connection per host across its Runs, as a whole run does, until Close.
//
// A Steps runs each instance as Run would, through the same on_change,
// when, attempts, retries, until and result conditions, except that it
// has no journal, no throttle and no one to confirm with: a step that
// asks for confirmation ends without running, its result saying what it
// asks (Asks), and once the walk has asked the operator and was told yes,
// the step runs again with Confirmed.
type Steps struct {
	p       *compile.Program
	opts    RunOptions
	conns   *conns
	secrets *lang.Redactor

	mu     sync.Mutex
	events []Event // host events not yet handed to a step
}

// NewSteps prepares to run instances of p with opts; of opts, Connect,
// Timeout, OutputLimit, SudoPassword and Diff count.
func NewSteps(p *compile.Program, opts RunOptions) (*Steps, error) {
	if !p.Valid() {
		return nil, compile.ErrInvalid
	}
	s := &Steps{p: p, opts: opts, secrets: &lang.Redactor{}}
	s.secrets.Add(p.Secrets()...)
	s.secrets.Add(opts.SudoPassword)
	s.conns = newConns(p.Hosts(), opts.Connect, s.hostEvent, s.secrets)
	return s, nil
}

// hostEvent keeps an event of a connection for the step that runs next
// to end.
func (s *Steps) hostEvent(e Event) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
}

// Close closes the connections made.
func (s *Steps) Close() error { return s.conns.closeAll() }

// StepInput is an instance to run and what it needs from the instances
// that ended before it.
type StepInput struct {
	// ID is the instance's id in the Program.
	ID int
	// Outputs holds, by instance id, the outputs of the instances it
	// reads, as StepResult.Sealed gave them.
	Outputs map[int]json.RawMessage
	// Changed lists the instances of its on_change that changed
	// something.
	Changed []int
	// Confirmed says that the walk asked its confirmation sentence and
	// was told yes.
	Confirmed bool
	// CutOff says that an earlier try of this step was cut off mid-way,
	// its end unknown: the module runs again only when it is safe to
	// repeat or Jobs holds a job it can re-attach to, and otherwise the
	// step fails with ErrCutOff.
	CutOff bool
	// Jobs are the detached jobs that an earlier try of this step
	// recorded (StepHooks.Keep): the module re-attaches to those that may
	// still run, or reads how they ended, and never starts them again.
	Jobs []job.Mark
}

// StepHooks are what a step tells its executor while it runs.
type StepHooks struct {
	// Emit, when not nil, sees each event as it is emitted.
	Emit func(Event)
	// Keep, when not nil, is given the step's detached jobs each time the
	// record of one changes (see module.JobKeeper); a later try of the
	// step, given them in StepInput.Jobs, re-attaches to them. With
	// durable set, it returns once they are safe from the loss of this
	// process; a job starts only then.
	Keep func(jobs []job.Mark, durable bool) error
}

// StepResult is how a step ended: the instance's result as a run records
// it, made of plain values, and the events it emitted, task_finished
// last.
type StepResult struct {
	Outcome     dag.Outcome
	Status      Status
	Error       string // redacted; empty on success
	Unreachable bool   // the error says a host could not be reached
	Changed     bool
	Ignored     bool
	Attempts    int
	Stderr      string
	Reason      string
	Duration    time.Duration
	Outputs     map[string]any  // as events show them: sensitive ones hidden
	Sealed      json.RawMessage // the outputs object for the instances that read it, secrets in clear
	Started     bool            // its module started
	Repeatable  bool            // its module is safe to repeat after an interruption
	Lost        bool            // it failed, and an attempt lost its connection mid-way
	CutOff      bool            // it did not run again after a try cut off mid-way (ErrCutOff)
	Asks        string          // it did not run: it asks this confirmation sentence, and StepInput.Confirmed was not set
	Events      []Event
}

// Run runs one instance, telling hooks as it goes; its events are in the
// result as well, numbered from 1 within the step.
func (s *Steps) Run(ctx context.Context, in StepInput, hooks StepHooks) (*StepResult, error) {
	if in.ID < 0 || in.ID >= len(s.p.Instances()) {
		return nil, fmt.Errorf("no instance %d in the playbook", in.ID)
	}
	var events []Event
	collect := SubscriberFunc(func(e Event) {
		events = append(events, e)
		if hooks.Emit != nil {
			hooks.Emit(e)
		}
	})
	opts := s.opts
	opts.Journal = nil
	asks := ""
	opts.Confirm = func(_ context.Context, info compile.InstanceInfo) (bool, error) {
		if in.Confirmed {
			return true, nil
		}
		asks = info.Confirm
		return false, errAsks
	}
	r := &runner{
		ctx: ctx, p: s.p, opts: opts, bus: newBus([]Subscriber{collect}), secrets: s.secrets, conns: s.conns,
		included: nil, results: make([]result, len(s.p.Instances())), outputs: make([]cty.Value, len(s.p.Instances())),
		throttles: map[string]chan struct{}{}, keepJobs: hooks.Keep,
	}
	inst := s.p.Instances()[in.ID]
	res := &r.results[in.ID]
	res.jobs = slices.DeleteFunc(slices.Clone(in.Jobs), func(m job.Mark) bool {
		return !m.Attachable() || inst.Holds(m.Host) == nil
	})
	r.cutOff = in.CutOff && len(res.jobs) == 0
	r.hosts = &hostRun{bus: r.bus, secrets: s.secrets, conns: s.conns, outputLimit: opts.OutputLimit, sudoPassword: opts.SudoPassword}
	for id, data := range in.Outputs {
		if id < 0 || id >= len(s.p.Instances()) {
			return nil, fmt.Errorf("no instance %d in the playbook", id)
		}
		v, secrets, err := s.p.Instances()[id].UnsealOutputs(data)
		if err != nil {
			return nil, fmt.Errorf("outputs of %s: %w", s.p.Instances()[id].Name(), err)
		}
		s.secrets.Add(secrets...)
		r.outputs[id] = v
	}
	for _, id := range in.Changed {
		if id >= 0 && id < len(r.results) {
			r.results[id].status = StatusChanged
		}
	}
	start := time.Now()
	o := r.run(ctx, inst, res)
	res.dur = time.Since(start)
	s.mu.Lock()
	for _, e := range s.events {
		r.emit(e)
	}
	s.events = nil
	s.mu.Unlock()
	r.finished(inst, res)
	r.bus.close()
	out := &StepResult{
		Outcome: o, Status: res.status, Unreachable: res.unreachable || errors.Is(res.err, ErrHostUnreachable),
		Changed: res.status == StatusChanged || res.changed, Ignored: res.ignored, Attempts: res.attempts, Stderr: res.stderr,
		Reason: res.reason, Duration: res.dur, Outputs: res.outputs, Started: !res.started.IsZero(), Repeatable: res.repeatable,
		Lost: res.lost, CutOff: errors.Is(res.err, ErrCutOff), Asks: asks, Events: events,
	}
	if res.err != nil {
		out.Error = res.err.Error()
	}
	if v := r.outputs[in.ID]; v != cty.NilVal && v.IsWhollyKnown() {
		sealed, err := inst.SealedOutputs(v)
		if err != nil {
			return nil, fmt.Errorf("outputs of %s: %w", inst.Name(), err)
		}
		out.Sealed = sealed
	}
	return out, nil
}

// errAsks is the error of a step whose instance asks for a confirmation
// that the walk has not given yet.
var errAsks = errors.New("the walk has not asked the operator yet")

// NotRunMessage is the error text of an instance that did not run
// because the instance cause did not succeed, for why (as "failed",
// "could not reach its host").
func NotRunMessage(inst, cause compile.InstanceInfo, why string) string {
	return fmt.Sprintf("%s: not run: it needs %s, which %s", inst.Label(), cause.Label(), why)
}

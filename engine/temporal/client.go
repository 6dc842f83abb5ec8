package temporal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/exec"
	"github.com/zclconf/go-cty/cty"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
)

// Config says how to reach the Temporal server and the key that
// encrypts what runs store there.
type Config struct {
	HostPort  string // host:port of the server's frontend
	Namespace string // "default" when empty
	Key       []byte // 32 bytes; see LoadKey
}

// Client is a connection to the Temporal server that encrypts every
// payload with the Config's key.
type Client struct {
	c  client.Client
	dc converter.DataConverter
}

// Dial connects to the server of cfg.
func Dial(cfg Config) (*Client, error) {
	dc, fc, err := dataConverter(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("the key: %w", err)
	}
	c, err := client.Dial(client.Options{
		HostPort:         cfg.HostPort,
		Namespace:        cfg.Namespace,
		DataConverter:    dc,
		FailureConverter: fc,
		Logger:           quietLogger(),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", cfg.HostPort, err)
	}
	return &Client{c: c, dc: dc}, nil
}

// quietLogger drops the SDK's own log lines; what matters reaches the
// caller as errors and events.
func quietLogger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// Close closes the connection.
func (c *Client) Close() { c.c.Close() }

// ErrRunning is the error of Start when the run of that ID still runs.
var ErrRunning = errors.New("a run of this playbook and inventory is running on Temporal")

// StartOptions are the options of a run started on Temporal; they mean
// what the fields of the same names of engine.RunOptions mean.
type StartOptions struct {
	ID           string // the workflow id; a new one when empty. Start refuses an ID whose run still runs (ErrRunning)
	Limit        []string
	Parallel     int
	PerHost      int
	FailFast     bool
	Timeout      time.Duration
	OutputLimit  int
	SudoPassword string
	Yes          bool          // answer yes to every confirmation
	Heartbeat    time.Duration // DefaultHeartbeat when zero
}

// Run is a run on Temporal, started or attached to.
type Run struct {
	c     *Client
	id    string
	input *RunInput
}

// ID returns the run's workflow id, which Attach takes.
func (r *Run) ID() string { return r.id }

// Start compiles the program of src, as every worker will, and starts
// its run.
func (c *Client) Start(ctx context.Context, src *Source, opts StartOptions) (*Run, error) {
	p, diags := src.Compile()
	if diags.HasErrors() {
		return nil, fmt.Errorf("the playbook does not compile from what a run carries to its workers: %s", diags.Error())
	}
	for _, inst := range p.Instances() {
		switch {
		case inst.Throttle() > 0:
			return nil, fmt.Errorf("task %s sets throttle, which a run on Temporal does not support yet", inst.Task())
		case inst.Batch() != nil:
			return nil, fmt.Errorf("task %s runs in batches (batch), which a run on Temporal does not support yet", inst.Task())
		}
	}
	nodes, err := Nodes(p, opts.Limit)
	if err != nil {
		return nil, err
	}
	in := &RunInput{Source: *src, Nodes: nodes, Parallel: opts.Parallel, PerHost: opts.PerHost, FailFast: opts.FailFast,
		Timeout: opts.Timeout, OutputLimit: opts.OutputLimit, SudoPassword: opts.SudoPassword, Yes: opts.Yes, Heartbeat: opts.Heartbeat}
	id := opts.ID
	if id == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = "runbook-" + hex.EncodeToString(b)
	}
	_, err = c.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: DefaultQueue, WorkflowExecutionErrorWhenAlreadyStarted: true}, workflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		return nil, fmt.Errorf("%w: runbook attach %s follows it", ErrRunning, id)
	case err != nil:
		return nil, fmt.Errorf("start the run: %w", err)
	}
	return &Run{c: c, id: id, input: in}, nil
}

// unservedPatience is how long Unserved keeps asking about queues that
// seem to have no worker: a worker that has just started polls a moment
// later.
const unservedPatience = 2 * time.Second

// Unserved returns the task queues of the run's steps, and the walk's
// own (DefaultQueue), that no worker has polled lately, each with the
// hosts whose steps it carries (none for the walk's queue alone). Such a
// run waits, without an error, until a worker serves the queue: a
// misspelt vars.queue, or a network whose worker is down. While some
// queue seems unserved it asks again, for up to unservedPatience. A run
// that has ended has none.
func (r *Run) Unserved(ctx context.Context) (map[string][]string, error) {
	desc, err := r.c.c.DescribeWorkflow(ctx, r.id, "")
	if err != nil {
		return nil, fmt.Errorf("ask the server whether run %s still runs: %w", r.id, err)
	}
	if desc.RawResponse.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return nil, nil // an ended run waits for no worker
	}
	deadline := time.Now().Add(unservedPatience)
	for {
		unserved, err := r.unserved(ctx)
		if err != nil || len(unserved) == 0 || time.Now().After(deadline) {
			return unserved, err
		}
		select {
		case <-ctx.Done():
			return unserved, nil
		case <-time.After(unservedPatience / 8):
		}
	}
}

// unserved asks the server once what Unserved returns.
func (r *Run) unserved(ctx context.Context) (map[string][]string, error) {
	hosts := map[string][]string{}
	for _, nd := range r.input.Nodes {
		for _, h := range nd.Hosts {
			if !slices.Contains(hosts[nd.Queue], h) {
				hosts[nd.Queue] = append(hosts[nd.Queue], h)
			}
		}
	}
	unserved := map[string][]string{}
	served := func(queue string, kind enumspb.TaskQueueType) (bool, error) {
		resp, err := r.c.c.DescribeTaskQueue(ctx, queue, kind)
		if err != nil {
			return false, fmt.Errorf("ask the server which workers serve queue %s: %w", queue, err)
		}
		return len(resp.GetPollers()) > 0, nil
	}
	for queue, on := range hosts {
		ok, err := served(queue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
		if err != nil {
			return nil, err
		}
		if !ok {
			slices.Sort(on)
			unserved[queue] = on
		}
	}
	ok, err := served(DefaultQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return nil, err
	}
	if !ok {
		unserved[DefaultQueue] = hosts[DefaultQueue]
	}
	return unserved, nil
}

// Nodes returns the instances of p as the walk of a run under limit (as
// engine.RunOptions.Limit) sees them.
func Nodes(p *compile.Program, limit []string) ([]Node, error) {
	included, limited, err := p.LimitSet(limit)
	if err != nil {
		return nil, err
	}
	insts := p.Instances()
	nodes := make([]Node, len(insts))
	for id, inst := range insts {
		nd := Node{Info: inst.Info(), Queue: queueOf(inst.Host()), Deps: inst.Deps(), Hosts: []string{inst.Host().Name()}, Detach: inst.Detach() != nil}
		for _, r := range inst.Reads() {
			if !slices.Contains(nd.Reads, r.ID()) {
				nd.Reads = append(nd.Reads, r.ID())
			}
		}
		for _, w := range inst.Watches() {
			nd.Watches = append(nd.Watches, w.ID())
		}
		for _, h := range inst.Peers() {
			nd.Hosts = append(nd.Hosts, h.Name())
		}
		nd.Out = !included[id]
		nodes[id] = nd
	}
	for _, skip := range exec.LimitSkips(p, included, limited, func(int) bool { return false }) {
		nodes[skip.ID].Skip = skip.Error
	}
	return nodes, nil
}

// queueOf returns the task queue of a host: its vars.queue, or
// DefaultQueue.
func queueOf(h *compile.Host) string {
	v, ok := h.Config().Vars["queue"]
	if ok && v.IsKnown() && !v.IsNull() && v.Type() == cty.String && v.AsString() != "" {
		return v.AsString()
	}
	return DefaultQueue
}

// Attach returns the run of workflow id, to follow it.
func (c *Client) Attach(ctx context.Context, id string) (*Run, error) {
	in, err := runInput(ctx, c.c, c.dc, id, "")
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", id, err)
	}
	return &Run{c: c, id: id, input: in}, nil
}

// InstancesPerHost counts the instances of each host.
func (r *Run) InstancesPerHost() map[string]int {
	counts := map[string]int{}
	for _, nd := range r.input.Nodes {
		if !nd.Out {
			counts[nd.Info.Host]++
		}
	}
	return counts
}

// Cancel asks the run to stop now: it starts nothing more and cancels
// the running steps.
func (r *Run) Cancel(ctx context.Context) error { return r.c.c.CancelWorkflow(ctx, r.id, "") }

// Stop asks the run to stop gently, as engine.RunOptions.Stop does: it
// starts nothing more, cancels the steps of detached tasks (their jobs go
// on), and lets the other running steps end.
func (r *Run) Stop(ctx context.Context) error {
	return r.c.c.SignalWorkflow(ctx, r.id, "", signalStop, nil)
}

// ForceRerun runs again the held instances that names name
// ("task@host[key]"), which were cut off mid-way: their modules run
// whether or not they are safe to repeat.
func (r *Run) ForceRerun(ctx context.Context, names []string) error {
	return r.c.c.SignalWorkflow(ctx, r.id, "", signalRerun, names)
}

// pollEvery is how often Follow asks the run for new events.
const pollEvery = 200 * time.Millisecond

// FollowOptions steer Follow.
type FollowOptions struct {
	// Subscribers receive the run's events, as engine.RunOptions'.
	Subscribers []exec.Subscriber
	// Stop, when closed, stops the run gently (Run.Stop, once); Follow
	// goes on until its end.
	Stop <-chan struct{}
	// Cancel, when closed, cancels the run (Run.Cancel, once), its
	// running steps included; Follow goes on until its end.
	Cancel <-chan struct{}
	// Confirm answers the confirmations the walk waits for, as
	// engine.RunOptions.Confirm; nil answers no, as nobody can answer.
	Confirm func(context.Context, compile.InstanceInfo) (bool, error)
}

// Follow hands the run's events to the subscribers, in order, from its
// start, until the walk has nothing left to run: those the walk logged,
// and the output lines of running steps as their heartbeats carry them.
// It answers the confirmations the walk asks for. It returns the report
// and error that engine.Run would; an instance held because it was cut
// off mid-way counts as failed, and Held names those.
func (r *Run) Follow(ctx context.Context, opts FollowOptions) (*exec.Report, []string, error) {
	f := &follower{run: r, subs: opts.Subscribers, ids: map[string]int{}, live: map[int]liveShown{}, answered: map[string]bool{}}
	stop, cancel := opts.Stop, opts.Cancel
	for id, nd := range r.input.Nodes {
		f.ids[eventInstance(nd.Info.Task, nd.Info.Host, nd.Info.Key)] = id
	}
	next, unanswered := 0, 0
	for {
		select {
		case <-cancel:
			if err := r.Cancel(ctx); err != nil {
				return nil, nil, fmt.Errorf("cancel run %s: %w", r.id, err)
			}
			stop, cancel = nil, nil
		case <-stop:
			if err := r.Stop(ctx); err != nil {
				return nil, nil, fmt.Errorf("stop run %s: %w", r.id, err)
			}
			stop = nil
		default:
		}
		p, err := r.progress(ctx, next)
		if err != nil {
			// A query no worker answers in time is asked again a few
			// times: a busy worker answers late, a missing one never.
			if unanswered++; errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil && unanswered < maxUnanswered {
				continue
			}
			return nil, nil, err
		}
		unanswered = 0
		f.logged(p.Events)
		next = p.Next
		if p.More {
			continue
		}
		if p.Final != nil && (len(p.Held) > 0 || hasFinished(p.Events)) {
			f.flush()
			rep := r.report(p.Final)
			return rep, p.Held, exec.ReportError(rep, func(info compile.InstanceInfo) []string { return []string{info.Host} }, nil)
		}
		f.running(ctx)
		f.flush()
		if err := f.answer(ctx, p.Asking, opts.Confirm); err != nil {
			return nil, nil, err
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-stop:
		case <-cancel:
		case <-time.After(pollEvery):
		}
	}
}

// follower hands the events of a run to subscribers, numbered anew, each
// once: an event shown while its step ran is not shown again when the
// walk logs the step's events.
type follower struct {
	run      *Run
	subs     []exec.Subscriber
	seq      uint64
	ids      map[string]int    // instance ids by eventInstance
	live     map[int]liveShown // by instance id, what the heartbeats of its running step showed
	answered map[string]bool   // the instances whose confirmation was answered
}

// answer asks confirm the questions not answered yet, and sends the
// answers to the walk.
func (f *follower) answer(ctx context.Context, questions []Question, confirm func(context.Context, compile.InstanceInfo) (bool, error)) error {
	for _, q := range questions {
		name := q.Info.ID()
		if f.answered[name] {
			continue
		}
		f.answered[name] = true
		a := Answer{Name: name, Why: fmt.Sprintf("the task asks %q and nobody can answer", q.Info.Confirm)}
		if confirm != nil {
			yes, err := confirm(ctx, q.Info)
			a.Yes, a.Why = yes && err == nil, ""
			if err != nil {
				a.Why = err.Error()
			}
		}
		if err := f.run.c.c.SignalWorkflow(ctx, f.run.id, "", signalAnswer, a); err != nil {
			return fmt.Errorf("answer run %s: %w", f.run.id, err)
		}
	}
	return nil
}

// liveShown is how many events of one try of a step were shown.
type liveShown struct {
	try   string
	count int
}

// eventInstance names the instance of an event.
func eventInstance(task, host, key string) string { return task + "\x00" + host + "\x00" + key }

// deliver hands e to the subscribers.
func (f *follower) deliver(e exec.Event) {
	f.seq++
	e.Seq = f.seq
	for _, s := range f.subs {
		s.Event(e)
	}
}

// flush flushes the subscribers that buffer.
func (f *follower) flush() {
	for _, s := range f.subs {
		if fl, ok := s.(exec.Flusher); ok {
			fl.Flush()
		}
	}
}

// logged delivers the events the walk logged, but for those its
// heartbeats showed already.
func (f *follower) logged(events []exec.Event) {
	for _, e := range events {
		id, ok := f.ids[eventInstance(e.Task, e.Host, e.Key)]
		switch {
		case ok && e.Kind == exec.EventTaskFinished:
			delete(f.live, id)
		case ok && f.live[id].count > 0:
			ls := f.live[id]
			ls.count--
			f.live[id] = ls
			continue
		}
		f.deliver(e)
	}
}

// running delivers the events of running steps that their heartbeats
// carry and were not shown yet. A run that cannot be described now shows
// them later, with the walk's log.
func (f *follower) running(ctx context.Context) {
	desc, err := f.run.c.c.DescribeWorkflow(ctx, f.run.id, "")
	if err != nil {
		return
	}
	for _, pa := range desc.RawResponse.GetPendingActivities() {
		id := instanceOf(pa.GetActivityId())
		if id < 0 || pa.GetHeartbeatDetails() == nil {
			continue
		}
		var live Live
		if err := f.run.c.dc.FromPayloads(pa.GetHeartbeatDetails(), &live); err != nil {
			continue
		}
		try := fmt.Sprintf("%s/%d", pa.GetActivityId(), live.Attempt)
		ls := f.live[id]
		if ls.try != try {
			ls = liveShown{try: try}
		}
		for i, e := range live.Events {
			if live.From+i < ls.count || e.Kind == exec.EventTaskFinished {
				continue
			}
			f.deliver(e)
			ls.count = live.From + i + 1
		}
		f.live[id] = ls
	}
}

// hasFinished reports whether events end with run_finished.
func hasFinished(events []exec.Event) bool {
	return len(events) > 0 && events[len(events)-1].Kind == exec.EventRunFinished
}

// maxUnanswered is how many queries in a row Follow asks before it gives
// up on a run whose workers do not answer: each waits queryWait.
const maxUnanswered = 6

// queryWait is how long one query of a run's progress waits for a worker
// to answer it.
const queryWait = 30 * time.Second

// progress queries the run for its events from next. Events logged by
// an earlier run of the walk, which continued as new, are asked of that
// run.
func (r *Run) progress(ctx context.Context, next int) (*Progress, error) {
	runID := ""
	for {
		p, err := r.query(ctx, runID, next)
		switch {
		case err != nil:
			return nil, err
		case next >= p.Base:
			return p, nil
		case p.Prev == "":
			return nil, fmt.Errorf("follow run %s: no event %d", r.id, next)
		}
		runID = p.Prev
	}
}

// query asks run runID of the workflow (the latest when empty) for its
// events from next.
func (r *Run) query(ctx context.Context, runID string, next int) (*Progress, error) {
	qctx, cancel := context.WithTimeout(ctx, queryWait)
	defer cancel()
	v, err := r.c.c.QueryWorkflow(qctx, r.id, runID, queryName, next)
	if err != nil {
		return nil, fmt.Errorf("follow run %s (is a worker of queue %s running?): %w", r.id, DefaultQueue, err)
	}
	var p Progress
	if err := v.Get(&p); err != nil {
		return nil, fmt.Errorf("follow run %s: %w", r.id, err)
	}
	return &p, nil
}

// report builds the report of a run that ended with f.
func (r *Run) report(f *Final) *exec.Report {
	rep := &exec.Report{Duration: f.Duration, Interrupted: f.Interrupted}
	for id, nd := range r.input.Nodes {
		if nd.Out {
			continue
		}
		res := f.Results[id]
		ir := exec.InstanceResult{InstanceInfo: nd.Info, Status: res.Status, Changed: res.Changed, Duration: res.Duration,
			Outputs: res.Outputs, Unreachable: res.Unreachable, StderrTail: res.Stderr, Attempts: res.Attempts, Ignored: res.Ignored, Reason: res.Reason}
		if ir.Status == "" { // waits for an instance held
			ir.Status, res.Error = exec.StatusSkipped, fmt.Sprintf("task %s on host %s: not run: it waits for an instance cut off mid-way", nd.Info.Task, nd.Info.Host)
		}
		if res.Error != "" {
			ir.Err = stepErr(res)
		}
		rep.Instances = append(rep.Instances, ir)
	}
	return rep
}

// stepErr returns the error of a step's result, matching the sentinel
// errors its flags say it matched.
func stepErr(res exec.StepResult) error {
	e := &remoteError{msg: res.Error}
	switch {
	case res.Unreachable:
		e.causes = append(e.causes, exec.ErrHostUnreachable)
	case res.Status == exec.StatusCancelled:
		e.causes = append(e.causes, exec.ErrInterrupted)
	case res.CutOff:
		e.causes = append(e.causes, exec.ErrCutOff)
	}
	return e
}

// remoteError is the error of an instance that ran on a worker: its
// text, and the sentinel errors it matched there.
type remoteError struct {
	msg    string
	causes []error
}

// Error returns the text.
func (e *remoteError) Error() string { return e.msg }

// Unwrap returns the sentinel errors.
func (e *remoteError) Unwrap() []error { return e.causes }

// runInput reads the input of a run's workflow from its history.
func runInput(ctx context.Context, c client.Client, dc converter.DataConverter, workflowID, runID string) (*RunInput, error) {
	iter := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !iter.HasNext() {
		return nil, errors.New("the run's history is empty")
	}
	ev, err := iter.Next()
	if err != nil {
		return nil, fmt.Errorf("read the run's input: %w", err)
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil {
		return nil, errors.New("the run's history does not start with its input")
	}
	var in RunInput
	if err := dc.FromPayloads(attrs.GetInput(), &in); err != nil {
		return nil, fmt.Errorf("read the run's input: %w", err)
	}
	return &in, nil
}

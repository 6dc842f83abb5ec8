package temporal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/exec"
	"github.com/runbookhq/runbook/engine/job"
	"github.com/runbookhq/runbook/engine/transport"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// steps runs the step activities of a worker: it compiles each run's
// program once, from the source in the run's input, and keeps the
// connections of each run to its hosts across that run's steps.
type steps struct {
	c       client.Client
	dc      converter.DataConverter
	connect func(config.HostConfig) (transport.Host, error)

	mu   sync.Mutex
	runs map[string]*session // by workflow run id
}

// session is what a worker holds of one run.
type session struct {
	once   sync.Once
	steps  *exec.Steps
	err    error
	active int       // steps running, under steps.mu
	used   time.Time // when the last step ended, under steps.mu
}

// idleSession is how long a worker keeps the connections of a run after
// its last step there ended; a later step of the run connects again.
const idleSession = 5 * time.Minute

// Step runs one instance, heartbeating while it runs; a try after one
// cut off mid-way (its worker lost) re-attaches to the detached jobs the
// lost try recorded in its heartbeats, and otherwise runs the module
// again only when it is safe to repeat, unless the request forces it.
func (s *steps) Step(ctx context.Context, req StepRequest) (*exec.StepResult, error) {
	info := activity.GetInfo(ctx)
	sess := s.session(ctx, info.WorkflowExecution.ID, info.WorkflowExecution.RunID)
	defer s.release(sess)
	if sess.err != nil {
		return nil, temporal.NewNonRetryableApplicationError(sess.err.Error(), "runbook.source", nil)
	}
	req.Step.CutOff = info.Attempt > 1 && !req.Force
	hb := &heartbeat{ctx: ctx, c: s.c, token: info.TaskToken, live: &liveEvents{attempt: int(info.Attempt)}}
	if info.Attempt > 1 && activity.HasHeartbeatDetails(ctx) {
		var last Live
		if err := activity.GetHeartbeatDetails(ctx, &last); err == nil {
			req.Step.Jobs, hb.live.jobs = last.Jobs, last.Jobs
		}
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(heartbeatEvery(info.HeartbeatTimeout))
		defer t.Stop()
		for {
			hb.beat()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	res, err := sess.steps.Run(ctx, req.Step, exec.StepHooks{Emit: hb.live.add, Keep: hb.keep})
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "runbook.step", nil)
	}
	return res, nil
}

// heartbeat sends the heartbeats of a step, one at a time, each carrying
// the latest of its events and jobs.
type heartbeat struct {
	ctx   context.Context
	c     client.Client
	token []byte
	live  *liveEvents
	mu    sync.Mutex
}

// beat hands the SDK the step's latest heartbeat, which it sends when
// its throttling allows.
func (h *heartbeat) beat() {
	h.mu.Lock()
	defer h.mu.Unlock()
	activity.RecordHeartbeat(h.ctx, h.live.snapshot())
}

// keep records the step's detached jobs in its heartbeats, so that a try
// on another worker finds them; a durable record has reached the server
// when keep returns.
func (h *heartbeat) keep(jobs []job.Mark, durable bool) error {
	h.live.mu.Lock()
	h.live.jobs = jobs
	h.live.mu.Unlock()
	if !durable {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	live := h.live.snapshot()
	activity.RecordHeartbeat(h.ctx, live) // so that a throttled heartbeat sent later carries them too
	return h.c.RecordActivityHeartbeat(h.ctx, h.token, live)
}

// heartbeatEvery is how often a step heartbeats, given Temporal's
// heartbeat timeout: often enough that the CLI shows output lines as they
// come and a lost worker is noticed in time.
func heartbeatEvery(timeout time.Duration) time.Duration {
	return min(max(timeout/3, 100*time.Millisecond), liveEvery)
}

// liveEvery is the longest pause between heartbeats.
const liveEvery = 500 * time.Millisecond

// Live is what a step's heartbeats carry: the last events it emitted,
// From being the index of the first among all of them, and the detached
// jobs it recorded.
type Live struct {
	Attempt int // of the step's activity: a retry's heartbeats start over
	From    int
	Events  []exec.Event
	Jobs    []job.Mark
}

// liveKeep is how many of its last events a step's heartbeat carries.
const liveKeep = 256

// liveEvents collects the events and jobs of a running step for its
// heartbeats.
type liveEvents struct {
	attempt int
	mu      sync.Mutex
	from    int
	events  []exec.Event
	jobs    []job.Mark
}

// add keeps e, dropping the oldest beyond liveKeep.
func (l *liveEvents) add(e exec.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	if len(l.events) > 2*liveKeep {
		drop := len(l.events) - liveKeep
		l.events = append(l.events[:0:0], l.events[drop:]...)
		l.from += drop
	}
}

// snapshot returns the last liveKeep events and the jobs.
func (l *liveEvents) snapshot() Live {
	l.mu.Lock()
	defer l.mu.Unlock()
	skip := max(0, len(l.events)-liveKeep)
	return Live{Attempt: l.attempt, From: l.from + skip, Events: slices.Clone(l.events[skip:]), Jobs: l.jobs}
}

// session returns the session of a run, compiling its program on first
// use from the input of its workflow.
func (s *steps) session(ctx context.Context, workflowID, runID string) *session {
	s.mu.Lock()
	sess := s.runs[runID]
	if sess == nil {
		sess = &session{}
		s.runs[runID] = sess
	}
	sess.active++
	s.mu.Unlock()
	sess.once.Do(func() {
		in, err := runInput(ctx, s.c, s.dc, workflowID, runID)
		if err != nil {
			sess.err = err
			return
		}
		p, diags := in.Source.Compile()
		if diags.HasErrors() {
			sess.err = fmt.Errorf("the playbook does not compile on this worker: %s", diags.Error())
			return
		}
		sess.steps, sess.err = exec.NewSteps(p, exec.RunOptions{
			Connect: s.connect, Timeout: in.Timeout, OutputLimit: in.OutputLimit, SudoPassword: in.SudoPassword,
		})
	})
	return sess
}

// release records that a step of sess ended.
func (s *steps) release(sess *session) {
	s.mu.Lock()
	sess.active--
	sess.used = time.Now()
	s.mu.Unlock()
}

// sweep closes the connections of the runs that ran no step for
// idleSession, and forgets them.
func (s *steps) sweep() error {
	s.mu.Lock()
	var idle []*session
	for id, sess := range s.runs {
		if sess.active == 0 && time.Since(sess.used) > idleSession {
			idle = append(idle, sess)
			delete(s.runs, id)
		}
	}
	s.mu.Unlock()
	var errs []error
	for _, sess := range idle {
		if sess.steps != nil {
			errs = append(errs, sess.steps.Close())
		}
	}
	return errors.Join(errs...)
}

// close closes the connections of every run.
func (s *steps) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, sess := range s.runs {
		if sess.steps != nil {
			errs = append(errs, sess.steps.Close())
		}
	}
	return errors.Join(errs...)
}

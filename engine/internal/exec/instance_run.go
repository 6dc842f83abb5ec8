package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// visit runs one instance and records how it ended; it is the walk's
// visit function.
func (r *runner) visit(ctx context.Context, node int) dag.Outcome {
	id := r.id(node)
	inst, res := r.p.Instances()[id], &r.results[id]
	start := time.Now()
	o := r.run(ctx, inst, res)
	res.dur = time.Since(start)
	r.finished(inst, res)
	if res.throttled {
		<-r.throttles[inst.Task()] // after its end is told, so no event shows more than throttle at once
	}
	return o
}

// run takes an instance through its on_change, its when, its
// confirmation, the connection to its host and its attempts.
func (r *runner) run(ctx context.Context, inst *compile.Instance, res *result) dag.Outcome {
	end := func(status Status, err error, o dag.Outcome) dag.Outcome {
		res.status = status
		if err != nil {
			res.err = r.instanceError(inst, err)
		}
		return o
	}
	if r.selected != nil && !r.selected[inst.ID()] {
		return r.skip(inst, res, ReasonNotSelected)
	}
	if b := inst.Batch(); b != nil && r.batchFailures(b, b.Index(inst)) > b.MaxFailures() {
		r.skip(inst, res, ReasonBatchStopped)
		return dag.Failed // what needs it does not run either
	}
	switch h := r.conns.unreachableOf(inst); {
	case h == inst.Host():
		res.unreachable = true
		return end(StatusSkipped, fmt.Errorf("not run: %w", ErrHostUnreachable), dag.Failed)
	case h != nil:
		res.unreachable = true
		return end(StatusSkipped, fmt.Errorf("not run: its peer %s: %w", h.Name(), ErrHostUnreachable), dag.Failed)
	}
	if ctx.Err() != nil || r.stopped() {
		return end(StatusCancelled, fmt.Errorf("not run: %w", ErrInterrupted), dag.Cancelled)
	}
	if w := inst.Watches(); len(w) > 0 && !slices.ContainsFunc(w, r.changed) {
		return r.skip(inst, res, ReasonNothingChanged)
	}
	scope := r.p.Scope(inst, func(i *compile.Instance) cty.Value { return r.outputs[i.ID()] })
	run, err := scope.When()
	if uerr := r.unpredictable(inst, err); uerr != nil {
		return end(StatusCannotPredict, uerr, dag.Done)
	}
	switch {
	case err != nil:
		return end(StatusFailed, err, dag.Failed)
	case !run:
		r.outputs[inst.ID()] = inst.NullOutputs()
		res.whenFalse = true
		return end(StatusSkipped, nil, dag.Skipped)
	}
	sentence, err := scope.Confirm()
	if err != nil && !r.opts.Check {
		return end(StatusFailed, err, dag.Failed)
	}
	if sentence != "" && !r.opts.Check {
		if err := r.confirm(ctx, inst, sentence); err != nil {
			return end(StatusFailed, err, dag.Failed)
		}
	}
	if slots := r.throttles[inst.Task()]; slots != nil {
		select {
		case slots <- struct{}{}:
			res.throttled = true
		case <-ctx.Done():
			return end(StatusCancelled, fmt.Errorf("not run: %w", ErrInterrupted), dag.Cancelled)
		}
	}
	r.emit(Event{Kind: EventTaskStarted, Task: inst.Task(), Module: inst.Module(), Host: inst.Host().Name(), Key: inst.Key(), Attempt: 1})
	th, err := r.conns.get(inst.Host())
	if err != nil {
		return end(StatusFailed, r.reachError(inst, res, err), dag.Failed)
	}
	tail := &lineTail{}
	out, changed, err := r.attempts(ctx, inst, scope, th, tail, res)
	switch {
	case err == nil && changed && r.opts.Check:
		r.outputs[inst.ID()] = unknownOutputs(inst)
		return end(StatusChanged, nil, dag.Done)
	case err == nil:
		r.outputs[inst.ID()] = out
		res.outputs = r.plainOutputs(out)
		if changed {
			return end(StatusChanged, nil, dag.Done)
		}
		return end(StatusOK, nil, dag.Done)
	case ctx.Err() != nil || errors.Is(err, module.ErrJobDetached):
		return end(StatusCancelled, err, dag.Cancelled)
	}
	if uerr := r.unpredictable(inst, err); uerr != nil {
		return end(StatusCannotPredict, uerr, dag.Done)
	}
	res.changed = changed
	if out != cty.NilVal {
		res.outputs = r.plainOutputs(out)
	}
	res.stderr = tail.String()
	err = r.reachError(inst, res, err)
	if inst.IgnoreErrors() {
		res.ignored = true
		r.outputs[inst.ID()] = inst.NullOutputs()
		return end(StatusFailed, err, dag.Done)
	}
	return end(StatusFailed, err, dag.Failed)
}

// skip records that inst did not run, for reason, and gives what reads
// it null outputs.
func (r *runner) skip(inst *compile.Instance, res *result, reason string) dag.Outcome {
	r.outputs[inst.ID()] = inst.NullOutputs()
	res.status, res.reason = StatusSkipped, reason
	return dag.Skipped
}

// changed reports whether inst changed something in this run, or in the
// run this one resumes when it was restored.
func (r *runner) changed(inst *compile.Instance) bool {
	res := r.results[inst.ID()]
	return res.status == StatusChanged || res.changed
}

// reachError returns err, the error of inst, wrapping ErrHostUnreachable
// as well when it says that a host inst holds (its own or a peer) could
// not be reached, whether when connecting or when the transport, dialling
// lazily, first used the host; res is then marked unreachable.
func (r *runner) reachError(inst *compile.Instance, res *result, err error) error {
	h := r.conns.unreachableOf(inst)
	if !errors.Is(err, transport.ErrUnreachable) || h == nil {
		return err
	}
	res.unreachable = true
	if h != inst.Host() {
		return newUnreachableError("peer "+h.Name(), err)
	}
	return newUnreachableError("host", err)
}

// errUntil is the error of an attempt whose until condition was false.
var errUntil = errors.New("until is false")

// attempts runs the module until an attempt succeeds and meets until, or
// the retries are spent, pausing delay between attempts; in check mode it
// makes one attempt, which no retry would make say more. It reports a
// change when any attempt did, and when they fail, the outputs of the last
// (cty.NilVal when it gave none). When they fail and some attempt lost its
// connection to a host, what that attempt did there is unknown, and
// res.lost records it.
func (r *runner) attempts(ctx context.Context, inst *compile.Instance, scope *compile.Scope, th transport.Host, tail *lineTail, res *result) (cty.Value, bool, error) {
	lost, changed := false, false
	for attempt := 1; ; attempt++ {
		res.attempts = attempt
		out, didChange, err := r.attempt(ctx, inst, scope, th, tail, res)
		lost = lost || errors.Is(err, transport.ErrConnectionLost)
		if !r.opts.Check {
			didChange, err = judge(ctx, scope, out, didChange, err)
		}
		changed = changed || didChange
		if err == nil {
			return out, changed, nil
		}
		if module.IsPermanent(err) || r.opts.Check || attempt > inst.Retries() || ctx.Err() != nil || r.conns.unreachableOf(inst) != nil ||
			errors.Is(err, module.ErrJobDetached) || errors.Is(err, module.ErrJobLost) {
			if errors.Is(err, errUntil) {
				err = fmt.Errorf("until was still false after %d attempts", attempt)
			}
			res.lost = lost
			return out, changed, err
		}
		r.emit(Event{Kind: EventRetry, Task: inst.Task(), Module: inst.Module(), Host: inst.Host().Name(), Key: inst.Key(), Attempt: attempt, Error: r.secrets.Redact(err.Error())})
		if !sleep(ctx, inst.Delay()) {
			return out, changed, ctx.Err()
		}
	}
}

// errFailedWhen is the error of an attempt whose failed_when was true
// when its module reported success.
var errFailedWhen = errors.New("failed_when is true")

// judge applies the task's result conditions to an attempt that ended
// with out, changed and err, in this order. When the attempt gave outputs
// and was not cut off (by its host, its timeout or the run) nor refused
// its arguments, failed_when decides whether it failed, in place of the
// module, and changed_when whether it changed something; then, on
// success, until decides whether it is the last. An error in evaluating
// a condition is permanent.
func judge(ctx context.Context, scope *compile.Scope, out cty.Value, changed bool, err error) (bool, error) {
	if out != cty.NilVal && !cutOff(ctx, err) {
		failed, set, ferr := scope.FailedWhen(out)
		switch {
		case ferr != nil:
			return changed, module.Permanent(ferr)
		case set && !failed:
			err = nil
		case set && err == nil:
			err = errFailedWhen
		}
		c, set, cerr := scope.ChangedWhen(out)
		switch {
		case cerr != nil:
			return changed, module.Permanent(cerr)
		case set:
			changed = c
		}
	}
	if err != nil {
		return changed, err
	}
	met, set, uerr := scope.Until(out)
	switch {
	case uerr != nil:
		return changed, module.Permanent(uerr)
	case set && !met:
		return changed, errUntil
	}
	return changed, nil
}

// cutOff reports whether err says that an attempt did not run to its end:
// its host was lost, its time ran out, the run was cancelled or its
// arguments were refused.
func cutOff(ctx context.Context, err error) bool {
	return ctx.Err() != nil || module.IsPermanent(err) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, transport.ErrConnectionLost) || errors.Is(err, transport.ErrUnreachable)
}

// attempt decodes the module body in ectx and runs the module once; the
// first time, it records in the journal that the module starts. When Run
// fails, attempt returns the outputs and the change it reported with its
// error (see Result).
func (r *runner) attempt(ctx context.Context, inst *compile.Instance, scope *compile.Scope, th transport.Host, tail *lineTail, res *result) (cty.Value, bool, error) {
	m, secrets, err := scope.Module()
	r.secrets.Add(secrets...)
	if err != nil {
		return cty.NilVal, false, err
	}
	if err := r.moduleStarting(inst, res, m); err != nil {
		return cty.NilVal, false, module.Permanent(err)
	}
	timeout := inst.Timeout()
	if timeout == 0 {
		timeout = r.opts.Timeout
	}
	actx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	env := module.NewEnvHooks(&taskHost{inner: th, run: r.hosts, inst: inst, target: inst.Host(), tail: tail}, inst.Host().Name(), inst.Task(), module.EnvHooks{
		Peer: r.peer(inst, tail),
		Progress: func(msg string) {
			r.emit(Event{Kind: EventProgress, Task: inst.Task(), Module: inst.Module(), Host: inst.Host().Name(), Key: inst.Key(), Line: r.secrets.Redact(msg)})
		},
		Jobs:   r.jobs(inst, res, th),
		Detach: inst.Detach(),
	})
	env.Diff = r.opts.Diff
	result, err := runModule(actx, r.moduleFunc(m), env)
	r.keepDiffs(res, result.Diffs, secrets)
	if err != nil {
		if timeout > 0 && errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			err = newTimedOutError(timeout, err)
		}
		out := cty.NilVal
		if result.Outputs != nil {
			if v, oerr := r.outputsValue(inst, result.Outputs); oerr == nil {
				out = v
			} else {
				err = errors.Join(err, oerr)
			}
		}
		return out, result.Changed, err
	}
	out, err := r.outputsValue(inst, result.Outputs)
	if err != nil {
		return cty.NilVal, result.Changed, module.Permanent(err)
	}
	return out, result.Changed, nil
}

// runModule calls run, a module's Run or Check, turning a panic into an
// error.
func runModule(ctx context.Context, run func(context.Context, *module.Env) (module.Result, error), env *module.Env) (res module.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = module.Permanent(fmt.Errorf("module panicked: %v", p))
		}
	}()
	return run(ctx, env)
}

// confirm asks RunOptions.Confirm, one question at a time, whether the
// instance may run; sentence is the question.
func (r *runner) confirm(ctx context.Context, inst *compile.Instance, sentence string) error {
	if r.opts.Confirm == nil {
		return fmt.Errorf("%w: the task asks %q and nobody can answer", ErrConfirmationRefused, sentence)
	}
	r.confirmMu.Lock()
	defer r.confirmMu.Unlock()
	info := inst.Info()
	info.Confirm = sentence
	ok, err := r.opts.Confirm(ctx, info)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrConfirmationRefused, err)
	case !ok:
		return fmt.Errorf("%w: the answer to %q was no", ErrConfirmationRefused, sentence)
	}
	return nil
}

// peer returns the function behind Env.Peer for an instance: it gives
// the transports of the instance's peers, connecting on first use.
func (r *runner) peer(inst *compile.Instance, tail *lineTail) func(module.HostRef) (transport.Host, error) {
	return func(ref module.HostRef) (transport.Host, error) {
		h, th, err := r.peerConn(inst, ref)
		if err != nil {
			return nil, err
		}
		return &taskHost{inner: th, run: r.hosts, inst: inst, target: h, tail: tail}, nil
	}
}

// peerConn returns the peer of inst that ref names and the connection to
// it, connecting on first use; a host that is not a peer of inst is
// refused.
func (r *runner) peerConn(inst *compile.Instance, ref module.HostRef) (*compile.Host, transport.Host, error) {
	h := inst.Holds(ref.Name)
	if h == nil || h == inst.Host() {
		return nil, nil, fmt.Errorf("host %s: %w", ref.Name, module.ErrNotPeer)
	}
	if r.conns.unreachable(h) {
		return nil, nil, fmt.Errorf("host %s: %w", ref.Name, transport.ErrUnreachable)
	}
	th, err := r.conns.get(h)
	if err != nil {
		return nil, nil, err
	}
	return h, th, nil
}

// sleep waits for d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

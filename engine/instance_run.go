package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// visit runs one instance and records how it ended; it is the walk's
// visit function.
func (r *runner) visit(ctx context.Context, node int) dag.Outcome {
	id := r.id(node)
	inst, res := r.p.insts[id], &r.results[id]
	start := time.Now()
	o := r.run(ctx, inst, res)
	res.dur = time.Since(start)
	r.finished(inst, res)
	return o
}

// run takes an instance through its when, its confirmation, the connection
// to its host and its attempts.
func (r *runner) run(ctx context.Context, inst *instance, res *result) dag.Outcome {
	t := inst.task
	end := func(status Status, err error, o dag.Outcome) dag.Outcome {
		res.status = status
		if err != nil {
			res.err = r.instanceError(inst, err)
		}
		return o
	}
	switch h := r.conns.unreachableOf(inst); {
	case h == inst.host:
		res.unreachable = true
		return end(StatusSkipped, fmt.Errorf("not run: %w", ErrHostUnreachable), dag.Failed)
	case h != nil:
		res.unreachable = true
		return end(StatusSkipped, fmt.Errorf("not run: its peer %s: %w", h.cfg.Name, ErrHostUnreachable), dag.Failed)
	}
	if ctx.Err() != nil || r.stopped() {
		return end(StatusCancelled, fmt.Errorf("not run: %w", ErrInterrupted), dag.Cancelled)
	}
	tasks := inst.taskObject(func(i *instance) cty.Value { return r.outputs[i.id] })
	ectx := r.p.instanceContext(inst, tasks, cty.NilVal)
	if t.meta.when != nil {
		ok, err := condition(t.meta.when, ectx)
		if err != nil {
			return end(StatusFailed, err, dag.Failed)
		}
		if !ok {
			r.outputs[inst.id] = nullOutputs(inst)
			res.whenFalse = true
			return end(StatusSkipped, nil, dag.Skipped)
		}
	}
	sentence := inst.confirm
	if t.meta.confirm != nil && t.confirmLater {
		s, diags := confirmSentence(t.meta.confirm, ectx)
		if diags.HasErrors() {
			return end(StatusFailed, diags, dag.Failed)
		}
		sentence = s
	}
	if sentence != "" {
		if err := r.confirm(ctx, inst, sentence); err != nil {
			return end(StatusFailed, err, dag.Failed)
		}
	}
	r.emit(Event{Kind: EventTaskStarted, Task: t.name, Module: t.module, Host: inst.host.cfg.Name, Attempt: 1})
	th, err := r.conns.get(inst.host)
	if err != nil {
		return end(StatusFailed, r.reachError(inst, res, err), dag.Failed)
	}
	tail := &lineTail{}
	out, changed, err := r.attempts(ctx, inst, ectx, tasks, th, tail, res)
	switch {
	case err == nil:
		r.outputs[inst.id] = out
		res.outputs = r.plainOutputs(out)
		if changed {
			return end(StatusChanged, nil, dag.Done)
		}
		return end(StatusOK, nil, dag.Done)
	case ctx.Err() != nil:
		return end(StatusCancelled, err, dag.Cancelled)
	}
	res.stderr = tail.String()
	err = r.reachError(inst, res, err)
	if inst.ignoreErrors {
		res.ignored = true
		r.outputs[inst.id] = nullOutputs(inst)
		return end(StatusFailed, err, dag.Done)
	}
	return end(StatusFailed, err, dag.Failed)
}

// reachError returns err, the error of inst, wrapping ErrHostUnreachable
// as well when it says that a host inst holds (its own or a peer) could
// not be reached, whether when connecting or when the transport, dialling
// lazily, first used the host; res is then marked unreachable.
func (r *runner) reachError(inst *instance, res *result, err error) error {
	if !errors.Is(err, transport.ErrUnreachable) || r.conns.unreachableOf(inst) == nil {
		return err
	}
	res.unreachable = true
	return fmt.Errorf("%w: %w", ErrHostUnreachable, err)
}

// errUntil is the error of an attempt whose until condition was false.
var errUntil = errors.New("until is false")

// fatalError is an attempt's error that another attempt cannot mend, such
// as arguments of the wrong type.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// attempts runs the module until an attempt succeeds and meets until, or
// the retries are spent, pausing delay between attempts. When they fail
// and some attempt lost its connection to a host, what that attempt did
// there is unknown, and res.lost records it.
func (r *runner) attempts(ctx context.Context, inst *instance, ectx *hcl.EvalContext, tasks cty.Value, th transport.Host, tail *lineTail, res *result) (cty.Value, bool, error) {
	t := inst.task
	lost := false
	for attempt := 1; ; attempt++ {
		res.attempts = attempt
		out, changed, err := r.attempt(ctx, inst, ectx, th, tail, res)
		lost = lost || errors.Is(err, transport.ErrConnectionLost)
		if err == nil && t.meta.until != nil {
			ok, uerr := condition(t.meta.until, r.p.instanceContext(inst, tasks, out))
			switch {
			case uerr != nil:
				err = &fatalError{uerr}
			case !ok:
				err = errUntil
			}
		}
		if err == nil {
			return out, changed, nil
		}
		var fatal *fatalError
		if errors.As(err, &fatal) || attempt > inst.retries || ctx.Err() != nil || r.conns.unreachableOf(inst) != nil {
			if errors.Is(err, errUntil) {
				err = fmt.Errorf("until was still false after %d attempts", attempt)
			}
			res.lost = lost
			return cty.NilVal, false, err
		}
		r.emit(Event{Kind: EventRetry, Task: t.name, Module: t.module, Host: inst.host.cfg.Name, Attempt: attempt, Error: r.secrets.redact(err.Error())})
		if !sleep(ctx, inst.delay) {
			return cty.NilVal, false, ctx.Err()
		}
	}
}

// attempt decodes the module body in ectx and runs the module once; the
// first time, it records in the journal that the module starts.
func (r *runner) attempt(ctx context.Context, inst *instance, ectx *hcl.EvalContext, th transport.Host, tail *lineTail, res *result) (cty.Value, bool, error) {
	t := inst.task
	args, diags := evalArgs(t, ectx)
	if diags.HasErrors() {
		return cty.NilVal, false, &fatalError{diags}
	}
	m, secrets, unknown, diags := decodeModule(inst, args)
	r.secrets.add(secrets...)
	switch {
	case diags.HasErrors():
		return cty.NilVal, false, &fatalError{diags}
	case len(unknown) > 0:
		return cty.NilVal, false, &fatalError{fmt.Errorf("the arguments %s are not known", strings.Join(unknown, ", "))}
	}
	if v, ok := m.(Validator); ok {
		if err := v.Validate(); err != nil {
			return cty.NilVal, false, &fatalError{fmt.Errorf("invalid arguments: %w", err)}
		}
	}
	if err := r.moduleStarting(inst, res, m); err != nil {
		return cty.NilVal, false, &fatalError{err}
	}
	timeout := inst.timeout
	if timeout == 0 {
		timeout = r.opts.Timeout
	}
	actx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	env := &Env{
		Host:     &taskHost{inner: th, r: r, inst: inst, target: inst.host, tail: tail},
		HostName: inst.host.cfg.Name,
		Task:     t.name,
		peer:     r.peer(inst, tail),
		progress: func(msg string) {
			r.emit(Event{Kind: EventProgress, Task: t.name, Module: t.module, Host: inst.host.cfg.Name, Line: r.secrets.redact(msg)})
		},
	}
	result, err := runModule(actx, m, env)
	if err != nil {
		if timeout > 0 && errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("timed out after %s: %w", timeout, err)
		}
		return cty.NilVal, false, err
	}
	out, err := r.outputsValue(t, result.Outputs)
	if err != nil {
		return cty.NilVal, false, &fatalError{err}
	}
	return out, result.Changed, nil
}

// runModule runs a module, turning a panic into an error.
func runModule(ctx context.Context, m Module, env *Env) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &fatalError{fmt.Errorf("module panicked: %v", p)}
		}
	}()
	return m.Run(ctx, env)
}

// condition evaluates a when or until condition.
func condition(a *hcl.Attribute, ctx *hcl.EvalContext) (bool, error) {
	v, diags := evalExpr(a.Expr, ctx)
	if diags.HasErrors() {
		return false, diags
	}
	if v.IsNull() {
		return false, fmt.Errorf("%s: %s is null", a.Expr.Range(), a.Name)
	}
	b, err := convertPlain(v, cty.Bool)
	if err != nil {
		return false, fmt.Errorf("%s: %s must be a bool: %w", a.Expr.Range(), a.Name, err)
	}
	if !b.IsKnown() {
		return false, fmt.Errorf("%s: %s is not known", a.Expr.Range(), a.Name)
	}
	return b.True(), nil
}

// confirm asks RunOptions.Confirm, one question at a time, whether the
// instance may run; sentence is the question.
func (r *runner) confirm(ctx context.Context, inst *instance, sentence string) error {
	if r.opts.Confirm == nil {
		return fmt.Errorf("%w: the task asks %q and nobody can answer", ErrConfirmationRefused, sentence)
	}
	r.confirmMu.Lock()
	defer r.confirmMu.Unlock()
	info := inst.info()
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
func (r *runner) peer(inst *instance, tail *lineTail) func(HostRef) (transport.Host, error) {
	return func(ref HostRef) (transport.Host, error) {
		h := inst.holds(ref.Name)
		if h == nil || h == inst.host {
			return nil, fmt.Errorf("host %s: %w", ref.Name, ErrNotPeer)
		}
		if r.conns.unreachable(h) {
			return nil, fmt.Errorf("host %s: %w", ref.Name, transport.ErrUnreachable)
		}
		th, err := r.conns.get(h)
		if err != nil {
			return nil, err
		}
		return &taskHost{inner: th, r: r, inst: inst, target: h, tail: tail}, nil
	}
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

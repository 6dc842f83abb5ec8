package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine/internal/lang"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/module"
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
	res.changed = changed
	if out != cty.NilVal {
		res.outputs = r.plainOutputs(out)
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

// attempts runs the module until an attempt succeeds and meets until, or
// the retries are spent, pausing delay between attempts. It reports a
// change when any attempt did, and when they fail, the outputs of the last
// (cty.NilVal when it gave none). When they fail and some attempt lost its
// connection to a host, what that attempt did there is unknown, and
// res.lost records it.
func (r *runner) attempts(ctx context.Context, inst *instance, ectx *hcl.EvalContext, tasks cty.Value, th transport.Host, tail *lineTail, res *result) (cty.Value, bool, error) {
	t := inst.task
	lost, changed := false, false
	for attempt := 1; ; attempt++ {
		res.attempts = attempt
		out, didChange, err := r.attempt(ctx, inst, ectx, th, tail, res)
		lost = lost || errors.Is(err, transport.ErrConnectionLost)
		if err == nil && t.meta.changedWhen != nil {
			if didChange, err = condition(t.meta.changedWhen, r.p.instanceContext(inst, tasks, out)); err != nil {
				err = module.Permanent(err)
			}
		}
		changed = changed || didChange
		if err == nil && t.meta.until != nil {
			ok, uerr := condition(t.meta.until, r.p.instanceContext(inst, tasks, out))
			switch {
			case uerr != nil:
				err = module.Permanent(uerr)
			case !ok:
				err = errUntil
			}
		}
		if err == nil {
			return out, changed, nil
		}
		if module.IsPermanent(err) || attempt > inst.retries || ctx.Err() != nil || r.conns.unreachableOf(inst) != nil {
			if errors.Is(err, errUntil) {
				err = fmt.Errorf("until was still false after %d attempts", attempt)
			}
			res.lost = lost
			return out, changed, err
		}
		r.emit(Event{Kind: EventRetry, Task: t.name, Module: t.module, Host: inst.host.cfg.Name, Attempt: attempt, Error: r.secrets.Redact(err.Error())})
		if !sleep(ctx, inst.delay) {
			return out, changed, ctx.Err()
		}
	}
}

// attempt decodes the module body in ectx and runs the module once; the
// first time, it records in the journal that the module starts. When Run
// fails, attempt returns the outputs and the change it reported with its
// error (see Result).
func (r *runner) attempt(ctx context.Context, inst *instance, ectx *hcl.EvalContext, th transport.Host, tail *lineTail, res *result) (cty.Value, bool, error) {
	t := inst.task
	args, diags := evalArgs(t, ectx)
	if diags.HasErrors() {
		return cty.NilVal, false, module.Permanent(diags)
	}
	m, secrets, unknown, diags := decodeModule(inst, args)
	r.secrets.Add(secrets...)
	switch {
	case diags.HasErrors():
		return cty.NilVal, false, module.Permanent(diags)
	case len(unknown) > 0:
		return cty.NilVal, false, module.Permanent(fmt.Errorf("the arguments %s are not known", strings.Join(unknown, ", ")))
	}
	if v, ok := m.(Validator); ok {
		if err := v.Validate(); err != nil {
			return cty.NilVal, false, module.Permanent(fmt.Errorf("invalid arguments: %w", err))
		}
	}
	if err := r.moduleStarting(inst, res, m); err != nil {
		return cty.NilVal, false, module.Permanent(err)
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
	env := module.NewEnvFunc(&taskHost{inner: th, r: r, inst: inst, target: inst.host, tail: tail}, inst.host.cfg.Name, t.name, r.peer(inst, tail), func(msg string) {
		r.emit(Event{Kind: EventProgress, Task: t.name, Module: t.module, Host: inst.host.cfg.Name, Line: r.secrets.Redact(msg)})
	})
	result, err := runModule(actx, m, env)
	if err != nil {
		if timeout > 0 && errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("timed out after %s: %w", timeout, err)
		}
		out := cty.NilVal
		if result.Outputs != nil {
			if v, oerr := r.outputsValue(t, result.Outputs); oerr == nil {
				out = v
			} else {
				err = errors.Join(err, oerr)
			}
		}
		return out, result.Changed, err
	}
	out, err := r.outputsValue(t, result.Outputs)
	if err != nil {
		return cty.NilVal, result.Changed, module.Permanent(err)
	}
	return out, result.Changed, nil
}

// runModule runs a module, turning a panic into an error.
func runModule(ctx context.Context, m Module, env *Env) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = module.Permanent(fmt.Errorf("module panicked: %v", p))
		}
	}()
	return m.Run(ctx, env)
}

// condition evaluates a condition: when, until or changed_when.
func condition(a *hcl.Attribute, ctx *hcl.EvalContext) (bool, error) {
	v, diags := lang.Eval(a.Expr, ctx)
	if diags.HasErrors() {
		return false, diags
	}
	if v.IsNull() {
		return false, fmt.Errorf("%s: %s is null", a.Expr.Range(), a.Name)
	}
	b, err := lang.ConvertPlain(v, cty.Bool)
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

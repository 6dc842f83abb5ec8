package exec

import (
	"context"
	"errors"
	"fmt"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/zclconf/go-cty/cty"
)

// errCheckJournal refuses a check-mode run that is asked to keep or
// resume a journal.
var errCheckJournal = errors.New("check mode changes nothing, so it keeps no journal and resumes none: set neither Journal nor Resume")

// unpredictable returns, in check mode, the error of an instance whose
// change cannot be predicted because of err, and records its outputs as
// unknown for the tasks that read them; nil when err is no such error.
func (r *runner) unpredictable(inst *compile.Instance, err error) error {
	switch {
	case !r.opts.Check:
		return nil
	case errors.Is(err, compile.ErrNotKnown):
		err = fmt.Errorf("%w: %w, as it reads outputs known only after a run", module.ErrCannotPredict, err)
	case !errors.Is(err, module.ErrCannotPredict):
		return nil
	}
	r.outputs[inst.ID()] = unknownOutputs(inst)
	return err
}

// unknownOutputs stands for the outputs of an instance that would change,
// or cannot tell, in check mode: they are known only after a run.
func unknownOutputs(inst *compile.Instance) cty.Value {
	return cty.UnknownVal(inst.NullOutputs().Type())
}

// moduleFunc returns what an attempt calls: m's Run, or in check mode its
// Check; a module without Check cannot predict.
func (r *runner) moduleFunc(m module.Module) func(context.Context, *module.Env) (module.Result, error) {
	if !r.opts.Check {
		return m.Run
	}
	if c, ok := m.(module.Checker); ok {
		return c.Check
	}
	return func(context.Context, *module.Env) (module.Result, error) {
		return module.Result{}, module.Permanent(fmt.Errorf("%w: its module has no check", module.ErrCannotPredict))
	}
}

// keepDiffs records the diffs of files a module returned. The content of
// a task whose arguments hold a sensitive value (secrets), or of a diff
// that shows a value known to be sensitive, is dropped and the diff
// marked sensitive; paths and attributes are redacted.
func (r *runner) keepDiffs(res *result, diffs []module.FileDiff, secrets []string) {
	for _, d := range diffs {
		if d.Diff != "" && (len(secrets) > 0 || r.secrets.Redact(d.Diff) != d.Diff) {
			d.Diff, d.Sensitive = "", true
		}
		d.Path = r.secrets.Redact(d.Path)
		attrs := make([]module.Attribute, len(d.Attributes))
		for i, a := range d.Attributes {
			attrs[i] = module.Attribute{Name: a.Name, Before: r.secrets.Redact(a.Before), After: r.secrets.Redact(a.After)}
		}
		d.Attributes = attrs
		res.diffs = append(res.diffs, d)
	}
}

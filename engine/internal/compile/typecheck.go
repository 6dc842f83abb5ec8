package compile

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// typecheck evaluates every task's module body, when and until on each of
// its hosts, with the outputs of other tasks standing as unknown values of
// their declared types, and checks each value against the type its
// argument needs, then the known values against the rules of the module
// and of their types (validateKnown). It catches wrong types, bad
// attribute accesses and invalid arguments before anything runs.
func (l *loader) typecheck() {
	for _, t := range l.p.tasks {
		if t.broken || t.schema == nil {
			continue
		}
		var collect instanceDiags
		for _, inst := range t.insts {
			collect.add(inst, l.p.checkInstance(inst)...)
		}
		l.diags = append(l.diags, collect.flush()...)
	}
}

// checkInstance type-checks one instance and, when its arguments have
// the right types, validates what is known of them.
func (p *Program) checkInstance(inst *Instance) hcl.Diagnostics {
	t := inst.task
	refs, diags := inst.refValues(unknownOutputs)
	ctx := p.instanceContext(inst, refs, cty.NilVal)
	args := make(map[string]cty.Value, len(t.Attrs))
	for _, a := range t.Attrs {
		f := t.schema.fields[a.Name]
		if f == nil {
			continue // reported when the body was checked
		}
		v, ds := lang.Eval(a.Expr, ctx)
		diags = append(diags, ds...)
		if !ds.HasErrors() {
			if d := checkArg(t, f, a, v); d != nil {
				diags = append(diags, d)
			}
		}
		if f.cmdline {
			if d := cmdlineWarning(t, a, v); d != nil {
				diags = append(diags, d)
			}
		}
		args[a.Name] = v
	}
	if !diags.HasErrors() && len(args) == len(t.Attrs) {
		diags = append(diags, validateKnown(inst, args)...)
	}
	for _, ma := range config.MetaArgs {
		a := t.Meta.Get(ma.Name)
		if a == nil {
			continue
		}
		switch ma.Kind {
		case config.MetaCondition:
			diags = append(diags, checkCondition(a, ctx)...)
		case config.MetaResultCondition:
			rctx := p.instanceContext(inst, refs, unknownOutputs(inst))
			diags = append(diags, checkCondition(a, rctx)...)
		case config.MetaConfirm:
			if t.confirmLater {
				_, ds := confirmSentence(a, ctx)
				diags = append(diags, ds...)
			}
		}
	}
	return diags
}

// checkArg checks the value of a module argument against its field.
func checkArg(t *task, f *field, a *hcl.Attribute, v cty.Value) *hcl.Diagnostic {
	if v.IsNull() {
		if !f.required {
			return nil
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for argument",
			Detail:   fmt.Sprintf("The argument %q of module %s is required and cannot be null.", a.Name, t.Module),
			Subject:  a.Expr.Range().Ptr(),
		}
	}
	if v.Type().Equals(f.ty) || convert.GetConversion(v.Type(), f.ty) != nil {
		return nil // a safe conversion cannot fail, whatever the value
	}
	if _, err := lang.ConvertPlain(v, f.ty); err != nil {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Incorrect attribute value type",
			Detail:   fmt.Sprintf("Inappropriate value for argument %q of module %s: %s.", a.Name, t.Module, lang.ConvertMessage(err)),
			Subject:  a.Expr.Range().Ptr(),
		}
	}
	return nil
}

// checkCondition checks that a condition (when, failed_when,
// changed_when, until) is a bool.
func checkCondition(a *hcl.Attribute, ctx *hcl.EvalContext) hcl.Diagnostics {
	v, diags := lang.Eval(a.Expr, ctx)
	if diags.HasErrors() {
		return diags
	}
	if v.IsKnown() && v.IsNull() {
		return append(diags, metaDiag(a, "%s must be true or false, not null.", a.Name))
	}
	if !v.IsKnown() && v.Type() == cty.String {
		return append(diags, metaDiag(a, "%s must be a bool, but this is a string known only when the run gets there, which would fail then unless it is \"true\" or \"false\". Compare it with the text that means true, as in ... == \"yes\", or convert it with tobool() if it holds \"true\" or \"false\".", a.Name))
	}
	if _, err := lang.ConvertPlain(v, cty.Bool); err != nil {
		return append(diags, metaDiag(a, "%s must be a bool: %s.", a.Name, lang.ConvertMessage(err)))
	}
	return diags
}

package compile

import (
	"fmt"
	"reflect"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// evalArgs evaluates the module body of an instance in ctx, returning the
// value of each argument (marks kept) by name.
func evalArgs(t *task, ctx *hcl.EvalContext) (map[string]cty.Value, hcl.Diagnostics) {
	args := make(map[string]cty.Value, len(t.Attrs))
	var diags hcl.Diagnostics
	for _, a := range t.Attrs {
		v, ds := lang.Eval(a.Expr, ctx)
		diags = append(diags, ds...)
		args[a.Name] = v
	}
	return args, diags
}

// decodeModule returns a new module of inst's task's kind holding the
// given argument values, each checked by its type when it is an
// ArgumentValidator. An argument whose value is not wholly known (as when
// the playbook loads) keeps its default and is listed in unknown. Sensitive
// values are unmarked before they reach the struct, and the strings among
// them are returned so that they can be redacted from whatever the module
// prints.
func decodeModule(inst *Instance, args map[string]cty.Value) (m module.Module, secrets, unknown []string, diags hcl.Diagnostics) {
	t := inst.task
	m = t.info.New()
	rv := reflect.ValueOf(m).Elem()
	for _, a := range t.Attrs {
		f := t.schema.fields[a.Name]
		if !args[a.Name].IsWhollyKnown() {
			unknown = append(unknown, a.Name)
			continue
		}
		plain, s := lang.UnmarkSecrets(args[a.Name])
		secrets = append(secrets, s...)
		if d := checkArg(t, f, a, plain); d != nil {
			diags = append(diags, d)
			continue
		}
		if plain.IsNull() {
			continue // an optional argument set to null keeps its default
		}
		fv := rv.FieldByIndex(f.index)
		if err := setField(fv, f, plain, inst); err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for argument",
				Detail:   fmt.Sprintf("The argument %q of module %s: %s.", a.Name, t.Module, err),
				Subject:  a.Expr.Range().Ptr(),
			})
			continue
		}
		if err := module.CheckValue(fv.Addr().Interface()); err != nil {
			diags = append(diags, argDiag(t, a, err))
		}
	}
	return m, secrets, unknown, diags
}

// setField stores a plain, known value in a module field of inst.
func setField(fv reflect.Value, f *field, v cty.Value, inst *Instance) error {
	switch f.kind {
	case module.HostValue:
		ref, err := inst.hostRef(v)
		if err == nil {
			fv.Set(reflect.ValueOf(ref))
		}
		return err
	case module.CtyValue:
		fv.Set(reflect.ValueOf(v))
		return nil
	case module.AnyValue:
		if x := lang.ToGo(v, nil); x != nil {
			fv.Set(reflect.ValueOf(x))
		}
		return nil
	}
	cv, err := convert.Convert(v, f.ty)
	if err != nil {
		return err
	}
	return gocty.FromCtyValue(cv, fv.Addr().Interface())
}

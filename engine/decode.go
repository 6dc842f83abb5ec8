package engine

import (
	"fmt"
	"math/big"
	"reflect"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// evalArgs evaluates the module body of an instance in ctx, returning the
// value of each argument (marks kept) by name.
func evalArgs(t *task, ctx *hcl.EvalContext) (map[string]cty.Value, hcl.Diagnostics) {
	args := make(map[string]cty.Value, len(t.attrs))
	var diags hcl.Diagnostics
	for _, a := range t.attrs {
		v, ds := evalExpr(a.Expr, ctx)
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
func decodeModule(inst *instance, args map[string]cty.Value) (m Module, secrets, unknown []string, diags hcl.Diagnostics) {
	t := inst.task
	m = t.info.New()
	rv := reflect.ValueOf(m).Elem()
	for _, a := range t.attrs {
		f := t.schema.fields[a.Name]
		if !args[a.Name].IsWhollyKnown() {
			unknown = append(unknown, a.Name)
			continue
		}
		plain, s := unmarkSecrets(args[a.Name])
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
				Detail:   fmt.Sprintf("The argument %q of module %s: %s.", a.Name, t.module, err),
				Subject:  a.Expr.Range().Ptr(),
			})
			continue
		}
		if err := validateValue(fv); err != nil {
			diags = append(diags, argDiag(t, a, err))
		}
	}
	return m, secrets, unknown, diags
}

// setField stores a plain, known value in a module field of inst.
func setField(fv reflect.Value, f *field, v cty.Value, inst *instance) error {
	switch f.kind {
	case fieldHost:
		ref, err := inst.hostRef(v)
		if err == nil {
			fv.Set(reflect.ValueOf(ref))
		}
		return err
	case fieldCty:
		fv.Set(reflect.ValueOf(v))
		return nil
	case fieldAny:
		if x := ctyToGo(v, nil); x != nil {
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

// ctyToGo converts a known value to plain Go values: string, int64 or
// float64, bool, []any and map[string]any (nil for null). Sensitive parts
// become redactedText; strings pass through redact when it is not nil.
func ctyToGo(v cty.Value, redact func(string) string) any {
	if v.IsMarked() {
		return redactedText
	}
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		if redact != nil {
			return redact(v.AsString())
		}
		return v.AsString()
	case ty == cty.Bool:
		return v.True()
	case ty == cty.Number:
		bf := v.AsBigFloat()
		if n, acc := bf.Int64(); acc == big.Exact {
			return n
		}
		f, _ := bf.Float64()
		return f
	case ty.IsObjectType() || ty.IsMapType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = ctyToGo(e, redact)
		}
		return out
	case v.CanIterateElements():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, ctyToGo(e, redact))
		}
		return out
	}
	return nil
}

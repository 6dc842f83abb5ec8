package compile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/internal/suggest"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// envPrefix starts the names of environment variables that set playbook
// variables: RUNBOOK_VAR_port sets var.port.
const envPrefix = "RUNBOOK_VAR_"

// resolveVariables gives every variable its value, from lowest to highest
// precedence: its default, the environment, the var files in order, then
// the -var flags in order; the last value wins. It then reports every
// required variable left without a value in one diagnostic, marks
// sensitive values and runs the validation rules.
func (l *loader) resolveVariables() {
	for _, v := range l.p.vars {
		if v.Default != nil {
			l.assignExpr(v, v.Default.Expr, valueSource{what: "its default", rng: v.Default.Expr.Range().Ptr()}, &hcl.EvalContext{Functions: l.p.funcs})
		}
	}
	for _, kv := range l.opts.Environ {
		key, raw, _ := strings.Cut(kv, "=")
		if name, ok := strings.CutPrefix(key, envPrefix); ok && l.p.varIdx[name] != nil {
			l.assignRaw(l.p.varIdx[name], raw, "the environment variable "+key)
		}
	}
	for _, path := range l.opts.VarFiles {
		l.readVarFile(path)
	}
	for i, kv := range l.opts.Vars {
		name, raw, ok := strings.Cut(kv, "=")
		if !ok {
			// The text is not shown: it may be a secret given without
			// the name of its variable.
			l.errorf(nil, "Invalid -var option", "The -var option number %d of %d is not of the form NAME=VALUE. Its text is not shown, as it may hold a secret.", i+1, len(l.opts.Vars))
			continue
		}
		if v := l.undeclared(name, nil, "-var"); v != nil {
			l.assignRaw(v, raw, "the -var flag")
		}
	}
	l.reportMissing()
	for _, v := range l.p.vars {
		l.markSensitive(v)
	}
	l.validateVariables(l.p.root)
}

// undeclared returns the variable named, or reports that there is none.
func (l *loader) undeclared(name string, rng *hcl.Range, where string) *variable {
	if v := l.p.varIdx[name]; v != nil {
		return v
	}
	l.errorf(rng, "Undeclared variable", "A value is given by %s for var.%s, but no variable %q is declared.%s", where, name, name, suggest.DidYouMean(name, l.p.root.variableNames()))
	return nil
}

// assignRaw sets a variable from a text given on the command line or in
// the environment. For a variable of type string the text is the value;
// for any other type it is a constant HCL expression, such as 8080, true
// or ["a", "b"]. A variable of no declared type takes the text as an
// expression when it parses as one that refers to nothing, else as a
// string; one that calls a function is refused (see assignConstant).
func (l *loader) assignRaw(v *variable, raw, what string) {
	src := valueSource{what: what}
	if v.Type == cty.String {
		l.assign(v, cty.StringVal(raw), src)
		return
	}
	filename := fmt.Sprintf("<value of var.%s from %s>", v.Name, what)
	if diags := lang.CheckNesting([]byte(raw), filename, false); diags != nil {
		l.diags = append(l.diags, diags...)
		v.set = true // reported; not missing as well
		return
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), filename, hcl.InitialPos)
	notExpr := diags.HasErrors() || len(expr.Variables()) > 0
	switch {
	case v.Type == cty.DynamicPseudoType && notExpr:
		l.assign(v, cty.StringVal(raw), src)
		return
	case (v.Type == cty.Number || v.Type == cty.Bool) && notExpr:
		shown := strconv.Quote(raw)
		if v.sensitive {
			shown = "the text given"
		}
		l.refuse(v, src, "is not a %s: %s is text, which only a variable of type string takes as it is", v.Type.FriendlyName(), shown)
		return
	}
	if diags.HasErrors() {
		l.refuse(v, src, "is not a valid expression: %s", diagReason(diags, false))
		return
	}
	l.assignConstant(v, expr, src)
}

// assignConstant sets a variable from a value given outside the
// playbook: an expression of a var file, or a text of the command line or
// the environment parsed as one. As in Terraform, such a value is a
// constant: it may not call a function (which could read the control
// node's files, as file does) nor refer to anything.
func (l *loader) assignConstant(v *variable, expr hcl.Expression, src valueSource) {
	named, unnamed := notConstant(expr)
	if named == "" {
		l.assignExpr(v, expr, src, nil)
		return
	}
	if v.sensitive { // the name may be a piece of the secret
		named = unnamed
	}
	l.refuse(v, src, "cannot be evaluated: it %s, and a value given from outside the playbook is a constant, which calls no function and refers to nothing", named)
}

// notConstant says how expr, in native syntax, is not a constant: named
// names the first thing it refers to or the first function it calls
// ("calls the function file"), unnamed does not ("calls a function").
// Both are empty for a constant, and for an expression in JSON syntax,
// whose strings are taken as they are when evaluated without a context.
func notConstant(expr hcl.Expression) (named, unnamed string) {
	native, ok := expr.(hclsyntax.Expression)
	if !ok {
		return "", ""
	}
	if refs := expr.Variables(); len(refs) > 0 {
		return "refers to " + traversalText(refs[0]), "refers to something"
	}
	hclsyntax.VisitAll(native, func(n hclsyntax.Node) hcl.Diagnostics {
		if c, ok := n.(*hclsyntax.FunctionCallExpr); ok && named == "" {
			named, unnamed = "calls the function "+c.Name, "calls a function"
		}
		return nil
	})
	return named, unnamed
}

// traversalText writes a reference as it reads in a playbook, with its
// indexes elided: var.server.host, var.list[…].
func traversalText(t hcl.Traversal) string {
	var b strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		default:
			b.WriteString("[…]")
		}
	}
	return b.String()
}

// assignExpr sets a variable from an expression evaluated in ctx: its
// default, which may call functions, or a constant given from outside
// (ctx nil).
func (l *loader) assignExpr(v *variable, expr hcl.Expression, src valueSource, ctx *hcl.EvalContext) {
	val, diags := lang.Eval(expr, ctx)
	switch {
	case !diags.HasErrors():
		l.assign(v, val, src)
	case v.sensitive || src.rng == nil:
		l.refuse(v, src, "cannot be evaluated: %s", diagReason(diags, !v.sensitive))
	default:
		l.diags = append(l.diags, diags...)
		v.set = true // reported; not missing as well
	}
}

// assign sets a variable's value, applying the defaults of its type's
// optional attributes and converting it to the type.
func (l *loader) assign(v *variable, val cty.Value, src valueSource) {
	if v.Defaults != nil {
		val = v.Defaults.Apply(val)
	}
	cv, err := convert.Convert(val, v.Type)
	if err != nil {
		reason := lang.ConvertMessage(err)
		if v.sensitive {
			reason = err.Error() // a path may hold a key of the value
		}
		l.refuse(v, src, "is not a valid %s: %s", v.Type.FriendlyNameForConstraint(), reason)
		return
	}
	v.value, v.from, v.set = cv, src, true
}

// refuse reports that the value src gives v is not valid; the format and
// args say why, after "The value of var.NAME from SOURCE". The diagnostic
// points at the value when it is in a file. A diagnostic shows the
// source line it points at, so for a sensitive variable it points at the
// variable's declaration instead, and names the value's place in its
// text.
func (l *loader) refuse(v *variable, src valueSource, format string, args ...any) {
	subject, from := src.rng, src.what
	if v.sensitive && subject != nil {
		from = fmt.Sprintf("%s (line %d)", src.what, subject.Start.Line)
		subject = nil
	}
	if subject == nil {
		subject = v.Decl.Ptr()
	}
	l.errorf(subject, "Invalid value for variable", "The value of var.%s from %s %s.", v.Name, from, fmt.Sprintf(format, args...))
	v.set = true // reported; not missing as well
}

// diagReason says why an expression was refused, diags holding an error:
// the summary of the first error, and its detail when withDetail is set.
// The detail of an error may quote the expression, so a sensitive value
// gets none.
func diagReason(diags hcl.Diagnostics, withDetail bool) string {
	d := diags[slices.IndexFunc(diags, func(d *hcl.Diagnostic) bool { return d.Severity == hcl.DiagError })]
	if !withDetail || d.Detail == "" {
		return strings.TrimSuffix(d.Summary, ".")
	}
	return d.Summary + "; " + strings.TrimSuffix(d.Detail, ".")
}

// reportMissing reports, in one diagnostic, every variable that has
// neither a default nor a given value.
func (l *loader) reportMissing() {
	var missing []*variable
	for _, v := range l.p.vars {
		if !v.set {
			missing = append(missing, v)
		}
	}
	if len(missing) == 0 {
		return
	}
	var b strings.Builder
	for _, v := range missing {
		fmt.Fprintf(&b, "\n  - %s", v.Name)
		if v.description != "" {
			fmt.Fprintf(&b, ": %s", v.description)
		}
	}
	summary := "Missing required variable"
	if len(missing) > 1 {
		summary += "s"
	}
	l.errorf(missing[0].Decl.Ptr(), summary,
		"These variables have no default and no value was given:%s\n\nSet them with -var NAME=VALUE, a var file (-var-file), or %sNAME environment variables.", b.String(), envPrefix)
}

// validateVariables runs every validation rule of every variable of s
// that has a value.
func (l *loader) validateVariables(s *scope) {
	values := map[string]cty.Value{}
	for _, v := range s.vars {
		values[v.Name] = v.value
	}
	ctx := &hcl.EvalContext{Functions: l.p.funcs, Variables: map[string]cty.Value{"var": cty.ObjectVal(values)}}
	for _, v := range s.vars {
		if !v.value.IsWhollyKnown() {
			continue
		}
		for _, rule := range v.Validations {
			l.checkRule(s, v, rule, ctx)
		}
	}
}

// checkRule evaluates one validation rule of v, a variable of s.
func (l *loader) checkRule(s *scope, v *variable, rule config.Validation, ctx *hcl.EvalContext) {
	before := len(l.diags)
	l.references(s, rule.Condition, lang.ScopeValidation)
	l.references(s, rule.ErrorMessage, lang.ScopeValidation)
	if len(l.diags) > before {
		return
	}
	ok, diags := lang.Eval(rule.Condition, ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return
	}
	ok, _ = ok.Unmark()
	if !ok.IsKnown() {
		return // it depends on a value that is missing, which is reported
	}
	if ok.IsNull() || ok.Type() != cty.Bool {
		l.errorf(rule.Condition.Range().Ptr(), "Invalid validation condition", "The condition of a validation rule must be a bool (true or false).")
		return
	}
	if ok.True() {
		return
	}
	msgVal, diags := lang.Eval(rule.ErrorMessage, ctx)
	l.diags = append(l.diags, diags...)
	msg := "The value is not valid."
	switch {
	case diags.HasErrors():
		return
	case msgVal.ContainsMarked():
		l.errorf(rule.ErrorMessage.Range().Ptr(), "Error message refers to sensitive values",
			"The error message of a validation rule is shown to whoever runs the playbook, so it cannot include a sensitive value.")
		msg = "The error message refers to a sensitive value and is not shown."
	default:
		if s, err := convert.Convert(msgVal, cty.String); err == nil && !s.IsNull() {
			msg = s.AsString()
		}
	}
	subject := v.from.rng
	if subject == nil || v.sensitive {
		subject = rule.Condition.Range().Ptr() // the value's place would show it
	}
	l.errorf(subject, "Invalid value for variable", "%s\n\nThe value of var.%s comes from %s; the rule is at %s.", msg, v.Name, v.from.what, lang.Place(rule.Condition.Range()))
}

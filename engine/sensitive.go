package engine

import (
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// sensitiveMark is the cty mark carried by every sensitive value: the
// values of variables declared sensitive, host passwords, and module
// outputs tagged sensitive:"true". Marks follow a value through every
// expression and function that uses it.
type markName string

const sensitiveMark = markName("sensitive")

// redactedText replaces a sensitive value wherever it would be shown.
const redactedText = "(sensitive)"

// markSensitive returns v carrying the sensitive mark.
func markSensitive(v cty.Value) cty.Value { return v.Mark(sensitiveMark) }

// stringsIn appends every non-empty string found in v, at any depth, to dst.
func stringsIn(v cty.Value, dst []string) []string {
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() || v.IsNull() {
		return dst
	}
	switch {
	case v.Type() == cty.String:
		if s := v.AsString(); s != "" {
			dst = append(dst, s)
		}
	case v.CanIterateElements():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			dst = stringsIn(e, dst)
		}
	}
	return dst
}

// unmarkSecrets removes every mark from v and returns the plain value with
// the strings that were under a sensitive mark.
func unmarkSecrets(v cty.Value) (cty.Value, []string) {
	plain, paths := v.UnmarkDeepWithPaths()
	var secrets []string
	for _, pm := range paths {
		sub, err := pm.Path.Apply(plain)
		if err == nil {
			secrets = stringsIn(sub, secrets)
		}
	}
	return plain, secrets
}

// redactor replaces every known secret string in a text by redactedText.
// Secrets are added as they become known (sensitive outputs appear only as
// tasks finish); it is safe for concurrent use.
type redactor struct {
	mu       sync.RWMutex
	secrets  []string
	replacer *strings.Replacer
}

// add records secrets; empty strings are ignored.
func (r *redactor) add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	grew := false
	for _, s := range secrets {
		if s != "" && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
			grew = true
		}
	}
	if !grew {
		return
	}
	// Longer secrets first, so a secret that contains another is replaced
	// whole.
	slices.SortFunc(r.secrets, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	pairs := make([]string, 0, 2*len(r.secrets))
	for _, s := range r.secrets {
		pairs = append(pairs, s, redactedText)
	}
	r.replacer = strings.NewReplacer(pairs...)
}

// redact returns s with every secret replaced.
func (r *redactor) redact(s string) string {
	r.mu.RLock()
	rep := r.replacer
	r.mu.RUnlock()
	if rep == nil || s == "" {
		return s
	}
	return rep.Replace(s)
}

// redactDiags rewrites the texts of diags so that no secret appears in
// them.
func (r *redactor) redactDiags(diags hcl.Diagnostics) {
	for _, d := range diags {
		d.Summary = r.redact(d.Summary)
		d.Detail = r.redact(d.Detail)
	}
}

// scrubDiags removes the expression and evaluation context from every
// diagnostic whose expression reads a sensitive value, so that a
// diagnostic printer cannot show the value.
func scrubDiags(diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Expression != nil && d.EvalContext != nil && readsSensitive(d.Expression, d.EvalContext) {
			d.Expression = nil
			d.EvalContext = nil
		}
	}
}

// readsSensitive reports whether expr refers to a value of ctx that is or
// contains a sensitive value.
func readsSensitive(expr hcl.Expression, ctx *hcl.EvalContext) bool {
	for _, t := range expr.Variables() {
		v, diags := t.TraverseAbs(ctx)
		if !diags.HasErrors() && v.ContainsMarked() {
			return true
		}
	}
	return false
}

// evalExpr evaluates expr in ctx and scrubs the diagnostics of sensitive
// values.
func evalExpr(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	v, diags := expr.Value(ctx)
	scrubDiags(diags)
	return v, diags
}

package engine

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/internal/suggest"
	"github.com/zclconf/go-cty/cty"
)

// refKind is what a reference names.
type refKind uint8

// The kinds of references, one per root name.
const (
	refVar refKind = iota
	refLocal
	refHost
	refGroup
	refSelf
	refTask
	refResult
)

// rootNames maps each root name of a reference to its kind, and
// rootOrder lists them for messages and suggestions.
var (
	rootNames = map[string]refKind{
		"var": refVar, "local": refLocal, "host": refHost, "group": refGroup,
		"self": refSelf, "task": refTask, "result": refResult,
	}
	rootOrder = []string{"var", "local", "host", "group", "self", "task", "result"}
)

// reference is a parsed traversal such as var.port or
// task.build.on.web.path.
type reference struct {
	kind     refKind
	name     string // the variable, local, host, group or task named
	host     string // task.NAME.on.HOST: the host named
	allHosts bool   // task.NAME or task.NAME.on: every instance of the task
	bare     bool   // written task.NAME, without on or an output
	sameHost bool   // in depends_on, task.NAME: the instance on the same host when there is one
	attr     string // the output (task.….OUT, result.OUT) or host attribute (self.X, host.NAME.X) named, or ""
	trav     hcl.Traversal
	attrStep int8 // the step of trav that names attr
}

// The places of a reference's parts, for messages; each is computed from
// the traversal when asked for, which keeps references small.

// rng returns the range of the whole traversal.
func (r reference) rng() hcl.Range { return r.trav.SourceRange() }

// nameRng returns the range of the step that names the item.
func (r reference) nameRng() hcl.Range { return stepRange(r.trav[1]) }

// hostRng returns the range of the step that names the host, in
// task.NAME.on.HOST.
func (r reference) hostRng() hcl.Range { return stepRange(r.trav[3]) }

// attrRng returns the range of the step that names the output or
// attribute.
func (r reference) attrRng() hcl.Range { return stepRange(r.trav[r.attrStep]) }

// scope is a place where expressions are written: what it is called in
// messages and which kinds of references it allows.
type scope struct {
	where string
	allow uint8 // bit i set: refKind(i) allowed
}

func (s scope) allows(k refKind) bool { return s.allow&(1<<k) != 0 }

// kinds returns the bit set of the given kinds.
func kinds(ks ...refKind) uint8 {
	var b uint8
	for _, k := range ks {
		b |= 1 << k
	}
	return b
}

// The scopes of a playbook.
var (
	scopeValidation = scope{"a validation condition", kinds(refVar)}
	scopeLocal      = scope{"a local value", kinds(refVar, refLocal, refHost, refGroup)}
	scopeHost       = scope{"a host block", kinds(refVar, refLocal)}
	scopeOn         = scope{"on", kinds(refVar, refLocal, refHost, refGroup)}
	scopeMeta       = scope{"this meta-argument", kinds(refVar, refLocal, refHost, refGroup, refSelf)}
	scopeBody       = scope{"a task", kinds(refVar, refLocal, refHost, refGroup, refSelf, refTask)}
	scopeResult     = scope{"a condition over result", kinds(refVar, refLocal, refHost, refGroup, refSelf, refTask, refResult)}
)

// stepRange returns the range of the name in a traversal step: an
// attribute step's range starts at its dot, which is left out.
func stepRange(s hcl.Traverser) hcl.Range {
	rng := s.SourceRange()
	if _, ok := s.(hcl.TraverseAttr); ok && rng.End.Byte > rng.Start.Byte {
		rng.Start.Byte++
		rng.Start.Column++
	}
	return rng
}

// stepName returns the name a traversal step gives: an attribute name or
// a string index key.
func stepName(s hcl.Traverser) (string, bool) {
	switch s := s.(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() && !s.Key.IsMarked() {
			return s.Key.AsString(), true
		}
	}
	return "", false
}

// parseReference turns a traversal into a reference, checking its shape.
func parseReference(t hcl.Traversal) (reference, *hcl.Diagnostic) {
	root := t.RootName()
	kind, ok := rootNames[root]
	if !ok {
		return reference{}, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown variable",
			Detail:   fmt.Sprintf("There is nothing named %q. References start with %s.%s", root, strings.Join(rootOrder, ", "), suggest.DidYouMean(root, rootOrder)),
			Subject:  t.SourceRange().Ptr(),
		}
	}
	r := reference{kind: kind, trav: t}
	switch kind {
	case refSelf, refResult:
		if len(t) > 1 {
			r.attr, _ = stepName(t[1])
			r.attrStep = 1
		}
		return r, nil
	}
	if len(t) < 2 {
		return r, refShapeDiag(t, root)
	}
	name, ok := stepName(t[1])
	if !ok {
		return r, refShapeDiag(t, root)
	}
	r.name = name
	if kind == refHost && len(t) > 2 {
		r.attr, _ = stepName(t[2])
		r.attrStep = 2
	}
	if kind != refTask {
		return r, nil
	}
	if len(t) == 2 {
		r.allHosts, r.bare = true, true
		return r, nil
	}
	step, ok := stepName(t[2])
	if !ok {
		return r, refShapeDiag(t, root)
	}
	if step != "on" {
		r.attr, r.attrStep = step, 2
		return r, nil
	}
	if len(t) == 3 {
		r.allHosts = true
		return r, nil
	}
	if r.host, ok = stepName(t[3]); !ok {
		return r, refShapeDiag(t, root)
	}
	if len(t) > 4 {
		r.attr, _ = stepName(t[4])
		r.attrStep = 4
	}
	return r, nil
}

// refShapeDiag reports a reference that does not name what its root
// needs.
func refShapeDiag(t hcl.Traversal, root string) *hcl.Diagnostic {
	forms := map[string]string{
		"var":   "var.NAME",
		"local": "local.NAME",
		"host":  "host.NAME",
		"group": "group.NAME",
		"task":  "task.NAME.OUTPUT or task.NAME.on.HOST.OUTPUT",
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid reference",
		Detail:   fmt.Sprintf("A reference to %s must be written %s.", root, forms[root]),
		Subject:  t.SourceRange().Ptr(),
	}
}

// scopeDiag reports a reference of a kind the scope does not allow.
func scopeDiag(r reference, sc scope) *hcl.Diagnostic {
	var why string
	switch r.kind {
	case refTask:
		why = fmt.Sprintf("%s is evaluated when the playbook loads, before any task runs, so it cannot refer to task outputs.", upperFirst(sc.where))
	case refSelf:
		why = "self is the host a task instance runs on; it exists only in a task's arguments and meta-arguments."
	case refResult:
		why = fmt.Sprintf("result holds the outputs of the attempt that just ended; it exists only in %s.", strings.Join(resultMetaNames(), " and "))
	default:
		why = fmt.Sprintf("%s cannot refer to %s values.", upperFirst(sc.where), rootOrder[r.kind])
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid reference", Detail: why, Subject: r.rng().Ptr()}
}

// upperFirst returns s with its first letter in upper case.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

package lang

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/internal/suggest"
	"github.com/zclconf/go-cty/cty"
)

// RefKind is what a reference names.
type RefKind uint8

// The kinds of references, one per root name.
const (
	RefVar RefKind = iota
	RefLocal
	RefHost
	RefGroup
	RefSelf
	RefTask
	RefResult
	RefEach
	RefRole
)

// rootNames maps each root name of a reference to its kind, and
// rootOrder lists them for messages and suggestions.
var (
	rootNames = map[string]RefKind{
		"var": RefVar, "local": RefLocal, "host": RefHost, "group": RefGroup,
		"self": RefSelf, "task": RefTask, "result": RefResult, "each": RefEach, "role": RefRole,
	}
	RootOrder = []string{"var", "local", "host", "group", "self", "task", "result", "each", "role"}
)

// Reference is a parsed traversal such as var.port or
// task.build.on.web.path.
type Reference struct {
	Kind     RefKind
	Name     string // the variable, local, host, group or task named
	Host     string // task.NAME.on.HOST: the host named
	AllHosts bool   // task.NAME or task.NAME.on: every instance of the task
	Bare     bool   // written task.NAME, without on or an output
	SameHost bool   // in depends_on, task.NAME: the instance on the same host when there is one
	Key      string // task.NAME["KEY"] or task.NAME.on.HOST["KEY"]: the key of an instance of a task with for_each
	HasKey   bool   // Key is set
	Attr     string // the output (task.….OUT, result.OUT, role.NAME.OUT), host attribute (self.X, host.NAME.X) or each attribute named, or ""
	Trav     hcl.Traversal
	AttrStep int8 // the step of trav that names attr
}

// The places of a reference's parts, for messages; each is computed from
// the traversal when asked for, which keeps references small.

// Range returns the range of the whole traversal.
func (r Reference) Range() hcl.Range { return r.Trav.SourceRange() }

// NameRange returns the range of the step that names the item.
func (r Reference) NameRange() hcl.Range { return StepRange(r.Trav[1]) }

// HostRange returns the range of the step that names the host, in
// task.NAME.on.HOST.
func (r Reference) HostRange() hcl.Range { return StepRange(r.Trav[3]) }

// AttrRange returns the range of the step that names the output or
// attribute.
func (r Reference) AttrRange() hcl.Range { return StepRange(r.Trav[r.AttrStep]) }

// Scope is a place where expressions are written: what it is called in
// messages and which kinds of references it allows.
type Scope struct {
	Where string
	allow uint16 // bit i set: refKind(i) allowed
}

// Allows reports whether s allows references of kind k.
func (s Scope) Allows(k RefKind) bool { return s.allow&(1<<k) != 0 }

// kinds returns the bit set of the given kinds.
func kinds(ks ...RefKind) uint16 {
	var b uint16
	for _, k := range ks {
		b |= 1 << k
	}
	return b
}

// The scopes of a playbook.
var (
	ScopeValidation = Scope{"a validation condition", kinds(RefVar)}
	ScopeLocal      = Scope{"a local value", kinds(RefVar, RefLocal, RefHost, RefGroup)}
	ScopeHost       = Scope{"a host block", kinds(RefVar, RefLocal)}
	ScopeOn         = Scope{"on", kinds(RefVar, RefLocal, RefHost, RefGroup)}
	ScopeForEach    = Scope{"for_each", kinds(RefVar, RefLocal, RefHost, RefGroup, RefSelf)}
	ScopeTask       = Scope{"this meta-argument", kinds(RefVar, RefLocal)}
	ScopeMeta       = Scope{"this meta-argument", kinds(RefVar, RefLocal, RefHost, RefGroup, RefSelf, RefEach)}
	ScopeBody       = Scope{"a task", kinds(RefVar, RefLocal, RefHost, RefGroup, RefSelf, RefTask, RefEach, RefRole)}
	ScopeResult     = Scope{"a condition over result", kinds(RefVar, RefLocal, RefHost, RefGroup, RefSelf, RefTask, RefResult, RefEach, RefRole)}
	ScopeInput      = Scope{"a role's input", kinds(RefVar, RefLocal, RefHost, RefGroup)}
	ScopeOutput     = Scope{"an output", kinds(RefVar, RefLocal, RefHost, RefGroup, RefSelf, RefTask, RefRole)}
)

// StepRange returns the range of the name in a traversal step: an
// attribute step's range starts at its dot, which is left out.
func StepRange(s hcl.Traverser) hcl.Range {
	rng := s.SourceRange()
	if _, ok := s.(hcl.TraverseAttr); ok && rng.End.Byte > rng.Start.Byte {
		rng.Start.Byte++
		rng.Start.Column++
	}
	return rng
}

// StepName returns the name a traversal step gives: an attribute name or
// a string index key.
func StepName(s hcl.Traverser) (string, bool) {
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

// ParseReference turns a traversal into a reference, checking its shape.
func ParseReference(t hcl.Traversal) (Reference, *hcl.Diagnostic) {
	root := t.RootName()
	kind, ok := rootNames[root]
	if !ok {
		hint := suggest.DidYouMean(root, RootOrder)
		if root == "item" {
			hint = " For a loop over items, as Ansible's item, give the task for_each and write each.value (or each.key)."
		}
		if root == strings.ToUpper(root) && strings.ToLower(root) != root {
			hint = fmt.Sprintf(" To pass ${%s} to a shell as it is, write $${%s}: in a string, ${ starts a template of the playbook.", root, root)
		}
		return Reference{}, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown variable",
			Detail:   fmt.Sprintf("There is nothing named %q. References start with %s.%s", root, strings.Join(RootOrder, ", "), hint),
			Subject:  t.SourceRange().Ptr(),
		}
	}
	r := Reference{Kind: kind, Trav: t}
	switch kind {
	case RefSelf, RefResult, RefEach:
		if len(t) > 1 {
			r.Attr, _ = StepName(t[1])
			r.AttrStep = 1
		}
		return r, nil
	}
	if len(t) < 2 {
		return r, refShapeDiag(t, root)
	}
	name, ok := StepName(t[1])
	if !ok {
		return r, refShapeDiag(t, root)
	}
	r.Name = name
	if (kind == RefHost || kind == RefRole) && len(t) > 2 {
		r.Attr, _ = StepName(t[2])
		r.AttrStep = 2
	}
	if kind == RefRole && r.Attr == "" {
		return r, refShapeDiag(t, root)
	}
	if kind != RefTask {
		return r, nil
	}
	if len(t) == 2 {
		r.AllHosts, r.Bare = true, true
		return r, nil
	}
	if r.keyAt(t, 2) {
		return r, nil
	}
	step, ok := StepName(t[2])
	if !ok {
		return r, refShapeDiag(t, root)
	}
	if step != "on" {
		r.Attr, r.AttrStep = step, 2
		return r, nil
	}
	if len(t) == 3 {
		r.AllHosts = true
		return r, nil
	}
	if r.Host, ok = StepName(t[3]); !ok {
		return r, refShapeDiag(t, root)
	}
	if len(t) > 4 && !r.keyAt(t, 4) {
		r.Attr, _ = StepName(t[4])
		r.AttrStep = 4
	}
	return r, nil
}

// keyAt reads the key of an instance of a task with for_each when step i
// of t indexes with a string, and the output named after it; it reports
// whether there was one.
func (r *Reference) keyAt(t hcl.Traversal, i int) bool {
	ix, ok := t[i].(hcl.TraverseIndex)
	if !ok {
		return false
	}
	if r.Key, ok = StepName(ix); !ok {
		return false
	}
	r.HasKey = true
	if len(t) > i+1 {
		r.Attr, _ = StepName(t[i+1])
		r.AttrStep = int8(i + 1)
	}
	return true
}

// refShapeDiag reports a reference that does not name what its root
// needs.
func refShapeDiag(t hcl.Traversal, root string) *hcl.Diagnostic {
	forms := map[string]string{
		"var":   "var.NAME",
		"local": "local.NAME",
		"host":  "host.NAME",
		"group": "group.NAME",
		"role":  "role.NAME.OUTPUT",
		"task":  "task.NAME.OUTPUT or task.NAME.on.HOST.OUTPUT (task.NAME[\"KEY\"].OUTPUT or task.NAME.on.HOST[\"KEY\"].OUTPUT for a task with for_each)",
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid reference",
		Detail:   fmt.Sprintf("A reference to %s must be written %s.", root, forms[root]),
		Subject:  t.SourceRange().Ptr(),
	}
}

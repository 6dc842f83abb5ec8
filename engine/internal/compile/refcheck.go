package compile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/internal/suggest"
)

// references returns the references expr, written in scope s, makes. It
// reports, and leaves out, those that are malformed, that sc does not
// allow, or that name something s does not declare.
func (l *loader) references(s *scope, expr hcl.Expression, sc lang.Scope) []lang.Reference {
	vars := expr.Variables()
	refs := make([]lang.Reference, 0, len(vars))
	for _, t := range vars {
		r, d := lang.ParseReference(t)
		if d != nil {
			l.diags = append(l.diags, d)
			continue
		}
		if !sc.Allows(r.Kind) {
			l.diags = append(l.diags, scopeDiag(r, sc))
			continue
		}
		if d := l.p.checkExists(s, r); d != nil {
			l.diags = append(l.diags, d)
			continue
		}
		refs = append(refs, r)
	}
	return refs
}

// checkExists returns a diagnostic when r names a variable, local value,
// host, group, task, role or output that scope s does not declare. Groups
// are checked only once the hosts are evaluated.
func (p *Program) checkExists(s *scope, r lang.Reference) *hcl.Diagnostic {
	switch r.Kind {
	case lang.RefVar:
		if s.varIdx[r.Name] == nil {
			return undeclaredDiag("variable", r.Name, r.NameRange(), s.variableNames())
		}
	case lang.RefLocal:
		if s.localIdx[r.Name] == nil {
			return undeclaredDiag("local value", r.Name, r.NameRange(), s.localNames())
		}
	case lang.RefRole:
		return checkRoleOutput(s, r)
	case lang.RefHost:
		if p.hostIdx[r.Name] == nil {
			return undeclaredDiag("host", r.Name, r.NameRange(), p.hostNames())
		}
		return checkHostAttr(r)
	case lang.RefSelf:
		return checkHostAttr(r)
	case lang.RefGroup:
		if p.groups != nil && !p.groupsUnknown && p.groups[r.Name] == nil {
			return undeclaredDiag("group", r.Name, r.NameRange(), p.groupNames())
		}
	case lang.RefTask:
		t := s.taskIdx[r.Name]
		if t == nil {
			return undeclaredDiag("task", r.Name, r.NameRange(), s.taskNames())
		}
		if r.Host != "" && p.hostIdx[r.Host] == nil {
			return undeclaredDiag("host", r.Host, r.HostRange(), p.hostNames())
		}
		if d := checkKeyed(t, r); d != nil {
			return d
		}
		if r.Attr != "" {
			return checkOutput(t, r.Attr, r.AttrRange())
		}
	}
	return nil
}

// checkKeyed returns a diagnostic when r names a key of a task without
// for_each, or an output of a task with for_each without naming a key.
func checkKeyed(t *task, r lang.Reference) *hcl.Diagnostic {
	switch {
	case r.HasKey && !t.keyed():
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid reference",
			Detail:   fmt.Sprintf("Task %q has no for_each, so its instances have no keys: its outputs are task.%s.OUTPUT.", t.Name, t.Name),
			Subject:  r.Range().Ptr(),
		}
	case t.keyed() && !r.HasKey && r.Attr != "":
		example := fmt.Sprintf("task.%s[\"KEY\"].%s or task.%s[each.key].%s", t.Name, r.Attr, t.Name, r.Attr)
		if t.schema != nil && !slices.Contains(t.schema.outNames, r.Attr) { // a key written as an attribute
			example = fmt.Sprintf("task.%s[%q].OUTPUT", t.Name, r.Attr)
		}
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing key",
			Detail:   fmt.Sprintf("Task %q has for_each, so it has one instance per key: name one, in brackets, as in %s.", t.Name, example),
			Subject:  r.Range().Ptr(),
		}
	}
	return nil
}

// checkOutput returns a diagnostic when task t has no output named attr.
// Tasks whose module is unknown are not checked.
func checkOutput(t *task, attr string, rng hcl.Range) *hcl.Diagnostic {
	if t.schema == nil || slices.Contains(t.schema.outNames, attr) {
		return nil
	}
	detail := fmt.Sprintf("Task %q (module %s) has no output named %q.", t.Name, t.Module, attr)
	if len(t.schema.outNames) == 0 {
		detail = fmt.Sprintf("Task %q (module %s) has no outputs.", t.Name, t.Module)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported attribute",
		Detail:   detail + cmp.Or(ansibleOutputHint(attr, t.schema.outNames), suggest.DidYouMean(attr, t.schema.outNames)),
		Subject:  rng.Ptr(),
	}
}

// checkHostAttr returns a diagnostic when a reference to a host object
// names an attribute it does not have.
func checkHostAttr(r lang.Reference) *hcl.Diagnostic {
	hostAttrs := config.ShownHostAttrs()
	if r.Attr == "" || slices.Contains(hostAttrs, r.Attr) {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported attribute",
		Detail:   fmt.Sprintf("A host has no attribute named %q; it has %s.%s", r.Attr, strings.Join(hostAttrs, ", "), suggest.DidYouMean(r.Attr, hostAttrs)),
		Subject:  r.AttrRange().Ptr(),
	}
}

// undeclaredDiag reports a reference to an item that is not declared.
func undeclaredDiag(kind, name string, rng hcl.Range, names []string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared " + kind,
		Detail:   fmt.Sprintf("There is no %s named %q.%s", kind, name, suggest.DidYouMean(name, names)),
		Subject:  rng.Ptr(),
	}
}

// checkRoleOutput returns a diagnostic when r, role.NAME.OUTPUT, names a
// role or an output that s does not declare.
func checkRoleOutput(s *scope, r lang.Reference) *hcl.Diagnostic {
	target := s.roleIdx[r.Name]
	switch {
	case target == nil:
		return undeclaredDiag("role", r.Name, r.NameRange(), s.roleNames())
	case target.Config == nil || target.scope.outputIdx[r.Attr] != nil:
		return nil
	}
	detail := fmt.Sprintf("The role %q (source %q) has no output named %q.", target.Name, target.Source, r.Attr)
	if len(target.scope.outputs) == 0 {
		detail = fmt.Sprintf("The role %q (source %q) has no outputs: only what its output blocks declare can be read from outside.", target.Name, target.Source)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported attribute",
		Detail:   detail + suggest.DidYouMean(r.Attr, target.scope.outputNames()),
		Subject:  r.AttrRange().Ptr(),
	}
}

// hostNames returns the names of the hosts, sorted.
func (p *Program) hostNames() []string { return namesOf(p.hosts) }

// namesOf returns the names of hosts, in their order.
func namesOf(hosts []*Host) []string {
	return nameList(hosts, func(h *Host) string { return h.cfg.Name })
}

// groupNames returns the names of the groups, sorted.
func (p *Program) groupNames() []string {
	names := make([]string, 0, len(p.groups))
	for name := range p.groups {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// taskNames returns the qualified names of the tasks, sorted.
func (p *Program) taskNames() []string {
	return nameList(p.tasks, func(t *task) string { return t.qname })
}

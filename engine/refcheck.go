package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// references returns the references expr makes. It reports, and leaves
// out, those that are malformed, that sc does not allow, or that name
// something the playbook does not declare.
func (l *loader) references(expr hcl.Expression, sc scope) []reference {
	vars := expr.Variables()
	refs := make([]reference, 0, len(vars))
	for _, t := range vars {
		r, d := parseReference(t)
		if d != nil {
			l.diags = append(l.diags, d)
			continue
		}
		if !sc.allows(r.kind) {
			l.diags = append(l.diags, scopeDiag(r, sc))
			continue
		}
		if d := l.p.checkExists(r); d != nil {
			l.diags = append(l.diags, d)
			continue
		}
		refs = append(refs, r)
	}
	return refs
}

// checkExists returns a diagnostic when r names a variable, local value,
// host, group, task or output that the playbook does not declare. Groups
// are checked only once the hosts are evaluated.
func (p *Playbook) checkExists(r reference) *hcl.Diagnostic {
	switch r.kind {
	case refVar:
		if p.varIdx[r.name] == nil {
			return undeclaredDiag("variable", r.name, r.nameRng(), p.variableNames())
		}
	case refLocal:
		if p.localIdx[r.name] == nil {
			return undeclaredDiag("local value", r.name, r.nameRng(), p.localNames())
		}
	case refHost:
		if p.hostIdx[r.name] == nil {
			return undeclaredDiag("host", r.name, r.nameRng(), p.hostNames())
		}
		return checkHostAttr(r)
	case refSelf:
		return checkHostAttr(r)
	case refGroup:
		if p.groups != nil && !p.groupsUnknown && p.groups[r.name] == nil {
			return undeclaredDiag("group", r.name, r.nameRng(), p.groupNames())
		}
	case refTask:
		t := p.taskIdx[r.name]
		if t == nil {
			return undeclaredDiag("task", r.name, r.nameRng(), p.taskNames())
		}
		if r.host != "" && p.hostIdx[r.host] == nil {
			return undeclaredDiag("host", r.host, r.hostRng(), p.hostNames())
		}
		if r.attr != "" {
			return checkOutput(t, r.attr, r.attrRng())
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
	detail := fmt.Sprintf("Task %q (module %s) has no output named %q.", t.name, t.module, attr)
	if len(t.schema.outNames) == 0 {
		detail = fmt.Sprintf("Task %q (module %s) has no outputs.", t.name, t.module)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported attribute",
		Detail:   detail + didYouMean(attr, t.schema.outNames),
		Subject:  rng.Ptr(),
	}
}

// hostAttrs are the attributes of a host object, sorted.
var hostAttrs = []string{"address", "groups", "name", "port", "user", "vars"}

// checkHostAttr returns a diagnostic when a reference to a host object
// names an attribute it does not have.
func checkHostAttr(r reference) *hcl.Diagnostic {
	if r.attr == "" || slices.Contains(hostAttrs, r.attr) {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unsupported attribute",
		Detail:   fmt.Sprintf("A host has no attribute named %q; it has %s.%s", r.attr, strings.Join(hostAttrs, ", "), didYouMean(r.attr, hostAttrs)),
		Subject:  r.attrRng().Ptr(),
	}
}

// undeclaredDiag reports a reference to an item that is not declared.
func undeclaredDiag(kind, name string, rng hcl.Range, names []string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared " + kind,
		Detail:   fmt.Sprintf("There is no %s named %q.%s", kind, name, didYouMean(name, names)),
		Subject:  rng.Ptr(),
	}
}

// localNames returns the names of the local values, sorted.
func (p *Playbook) localNames() []string {
	names := make([]string, len(p.locals))
	for i, lv := range p.locals {
		names[i] = lv.name
	}
	return names
}

// hostNames returns the names of the hosts, sorted.
func (p *Playbook) hostNames() []string { return namesOf(p.hosts) }

// namesOf returns the names of hosts, in their order.
func namesOf(hosts []*host) []string {
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i] = h.cfg.Name
	}
	return names
}

// groupNames returns the names of the groups, sorted.
func (p *Playbook) groupNames() []string {
	names := make([]string, 0, len(p.groups))
	for name := range p.groups {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// taskNames returns the names of the tasks, sorted.
func (p *Playbook) taskNames() []string {
	names := make([]string, len(p.tasks))
	for i, t := range p.tasks {
		names[i] = t.name
	}
	return names
}

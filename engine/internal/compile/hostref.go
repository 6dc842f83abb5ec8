package compile

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/internal/suggest"
	"github.com/zclconf/go-cty/cty"
)

// evalPeers evaluates the HostRef arguments of inst, which the playbook
// must know when it loads, and records the hosts they name as the
// instance's peers.
func (l *loader) evalPeers(inst *Instance) hcl.Diagnostics {
	t := inst.task
	var diags hcl.Diagnostics
	for _, a := range t.Attrs {
		if f := t.schema.fields[a.Name]; f == nil || f.kind != module.HostValue {
			continue
		}
		if slices.ContainsFunc(a.Expr.Variables(), func(tr hcl.Traversal) bool { return tr.RootName() == "task" || tr.RootName() == "role" }) {
			diags = append(diags, hostArgDiag(t, a, "it names a host, which must be known when the playbook loads, so it cannot refer to the outputs of tasks or roles"))
			continue
		}
		v, ds := lang.Eval(a.Expr, l.p.instanceContext(inst, nil, cty.NilVal))
		diags = append(diags, ds...)
		switch {
		case ds.HasErrors() || !v.IsWhollyKnown() || v.IsNull():
			continue // an error reported, a variable missing, or an optional argument unset
		case v.ContainsMarked():
			diags = append(diags, hostArgDiag(t, a, "it names a host, which plans and events show, so it cannot be sensitive"))
			continue
		}
		name, err := lang.HostName(v)
		if err != nil {
			diags = append(diags, hostArgDiag(t, a, "it must be a host (host.NAME) or a host's name; "+err.Error()))
			continue
		}
		h := l.p.hostIdx[name]
		if h == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reference to undeclared host",
				Detail:   fmt.Sprintf("Task %s, argument %q (module %s) names the host %q, which is not declared.%s", t.Name, a.Name, t.Module, name, suggest.DidYouMean(name, l.p.hostNames())),
				Subject:  a.Expr.Range().Ptr(),
			})
			continue
		}
		if h != inst.host && !slices.Contains(inst.peers, h) {
			inst.peers = append(inst.peers, h)
		}
	}
	slices.SortFunc(inst.peers, func(a, b *Host) int { return a.index - b.index })
	return diags
}

// hostArgDiag returns the diagnostic of a HostRef argument whose value is
// not a host.
func hostArgDiag(t *task, a *hcl.Attribute, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid host argument",
		Detail:   fmt.Sprintf("Task %s, argument %q (module %s): %s.", t.Name, a.Name, t.Module, detail),
		Subject:  a.Expr.Range().Ptr(),
	}
}

// hostRef returns the HostRef that v, the value of a HostRef argument of
// inst, names: the instance's own host or one of its peers.
func (inst *Instance) hostRef(v cty.Value) (module.HostRef, error) {
	name, err := lang.HostName(v)
	if err != nil {
		return module.HostRef{}, err
	}
	if h := inst.Holds(name); h != nil {
		return module.HostRef{Name: h.cfg.Name, Address: h.cfg.Address}, nil
	}
	return module.HostRef{}, fmt.Errorf("the host %q is not known to the instance when the playbook loads", name)
}

// Holds returns the host of that name that inst Holds: its own or a peer;
// nil when it Holds none of that name.
func (inst *Instance) Holds(name string) *Host {
	if inst.host.cfg.Name == name {
		return inst.host
	}
	for _, h := range inst.peers {
		if h.cfg.Name == name {
			return h
		}
	}
	return nil
}

// PeerNames returns the names of the peers of inst, in host order.
func (inst *Instance) PeerNames() []string { return namesOf(inst.peers) }

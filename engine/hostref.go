package engine

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// HostRef is the type of a module argument that names another host of the
// inventory, a peer, for modules that work between two hosts. A playbook
// sets it to a host object, host.NAME, or to a host's name as a string
// (such as a host variable that holds one); either way it must be known
// when the playbook loads, so it cannot depend on the outputs of tasks,
// and it must name a declared host.
//
// An instance whose module has a HostRef argument holds that host as well
// as its own: plan and graph show the peer, a limit that leaves the peer
// out skips the instance, the instance counts against the peer's per-host
// limit, and the journal records it. The module reaches the peer through
// Env.Peer, whose commands are labelled with the peer's name and whose
// connection failures make the peer, not the instance's own host,
// unreachable.
//
// The engine fills both fields from the inventory; a module reads Address
// as the address the inventory gives the peer (its host block's address,
// else its name).
type HostRef struct {
	// Name is the peer's name in the inventory.
	Name string
	// Address is the peer's address, as its host block gives it.
	Address string
}

// String returns the peer's name.
func (r HostRef) String() string { return r.Name }

// IsZero reports whether r names no host, as an optional HostRef argument
// that the task does not set.
func (r HostRef) IsZero() bool { return r.Name == "" }

var hostRefType = reflect.TypeFor[HostRef]()

// hostName returns the host name that v, a known value that is not null,
// names: v is a host name or a host object.
func hostName(v cty.Value) (string, error) {
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString(), nil
	case isHostObject(ty):
		name := v.GetAttr("name")
		if name.IsNull() || !name.IsKnown() {
			return "", errors.New("its name is not known")
		}
		return name.AsString(), nil
	}
	return "", fmt.Errorf("it is %s", typeName(ty))
}

// isHostObject reports whether ty is the type of a host object: an object
// with a string name.
func isHostObject(ty cty.Type) bool {
	return ty.IsObjectType() && ty.HasAttribute("name") && ty.AttributeType("name") == cty.String
}

// evalPeers evaluates the HostRef arguments of inst, which the playbook
// must know when it loads, and records the hosts they name as the
// instance's peers.
func (l *loader) evalPeers(inst *instance) hcl.Diagnostics {
	t := inst.task
	var diags hcl.Diagnostics
	for _, a := range t.attrs {
		if f := t.schema.fields[a.Name]; f == nil || f.kind != fieldHost {
			continue
		}
		if slices.ContainsFunc(a.Expr.Variables(), func(tr hcl.Traversal) bool { return tr.RootName() == "task" }) {
			diags = append(diags, hostArgDiag(t, a, "it names a host, which must be known when the playbook loads, so it cannot refer to the outputs of tasks"))
			continue
		}
		v, ds := evalExpr(a.Expr, l.p.instanceContext(inst, cty.NilVal, cty.NilVal))
		diags = append(diags, ds...)
		switch {
		case ds.HasErrors() || !v.IsWhollyKnown() || v.IsNull():
			continue // an error reported, a variable missing, or an optional argument unset
		case v.ContainsMarked():
			diags = append(diags, hostArgDiag(t, a, "it names a host, which plans and events show, so it cannot be sensitive"))
			continue
		}
		name, err := hostName(v)
		if err != nil {
			diags = append(diags, hostArgDiag(t, a, "it must be a host (host.NAME) or a host's name; "+err.Error()))
			continue
		}
		h := l.p.hostIdx[name]
		if h == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reference to undeclared host",
				Detail:   fmt.Sprintf("Task %s, argument %q (module %s) names the host %q, which is not declared.%s", t.name, a.Name, t.module, name, didYouMean(name, l.p.hostNames())),
				Subject:  a.Expr.Range().Ptr(),
			})
			continue
		}
		if h != inst.host && !slices.Contains(inst.peers, h) {
			inst.peers = append(inst.peers, h)
		}
	}
	slices.SortFunc(inst.peers, func(a, b *host) int { return a.index - b.index })
	return diags
}

// hostArgDiag returns the diagnostic of a HostRef argument whose value is
// not a host.
func hostArgDiag(t *task, a *hcl.Attribute, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid host argument",
		Detail:   fmt.Sprintf("Task %s, argument %q (module %s): %s.", t.name, a.Name, t.module, detail),
		Subject:  a.Expr.Range().Ptr(),
	}
}

// hostRef returns the HostRef that v, the value of a HostRef argument of
// inst, names: the instance's own host or one of its peers.
func (inst *instance) hostRef(v cty.Value) (HostRef, error) {
	name, err := hostName(v)
	if err != nil {
		return HostRef{}, err
	}
	if h := inst.holds(name); h != nil {
		return HostRef{Name: h.cfg.Name, Address: h.cfg.Address}, nil
	}
	return HostRef{}, fmt.Errorf("the host %q is not known to the instance when the playbook loads", name)
}

// holds returns the host of that name that inst holds: its own or a peer;
// nil when it holds none of that name.
func (inst *instance) holds(name string) *host {
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

// peerNames returns the names of the peers of inst, in host order.
func (inst *instance) peerNames() []string { return namesOf(inst.peers) }

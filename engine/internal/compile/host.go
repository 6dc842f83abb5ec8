package compile

import (
	"math/big"
	"os"
	"os/user"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// allGroup is the group that holds every declared host.
const allGroup = "all"

// addLocalHost adds the built-in local host and numbers the hosts in name
// order.
func (l *loader) addLocalHost() {
	h := &Host{
		cfg:     config.HostConfig{Name: config.LocalHost, Address: "127.0.0.1", User: CurrentUser()},
		builtin: true,
	}
	h.obj = hostObject(h.cfg, nil)
	l.p.hosts = append(l.p.hosts, h)
	l.p.hostIdx[config.LocalHost] = h
	slices.SortFunc(l.p.hosts, func(a, b *Host) int { return strings.Compare(a.cfg.Name, b.cfg.Name) })
	for i, h := range l.p.hosts {
		h.index = i
	}
}

// CurrentUser returns the name of the user running the playbook.
func CurrentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// hostObject returns the value of host.NAME: the attributes of
// config.HostAttrs that it shows, from cfg, except for the attributes
// given in over: address and vars as evaluated, so that a sensitive value
// keeps its mark, and the attributes whose value is not known (when a
// variable is missing).
func hostObject(cfg config.HostConfig, over map[string]cty.Value) cty.Value {
	attrs := map[string]cty.Value{}
	for _, a := range config.HostAttrs {
		if a.Value != nil {
			attrs[a.Name] = a.Value(cfg)
		}
	}
	for name, v := range over {
		attrs[name] = v
	}
	return cty.ObjectVal(attrs)
}

// evalHost evaluates the attributes of a host block in ctx. An attribute
// whose value is not known, because a variable it uses is missing (which
// is reported), is unknown in the host object too, so that checking goes
// on without reporting errors that giving the variable would mend.
func (l *loader) evalHost(h *Host, ctx *hcl.EvalContext) bool {
	ok := true
	over := map[string]cty.Value{}
	for _, a := range h.attrs {
		v, diags := lang.Eval(a.Expr, ctx)
		l.diags = append(l.diags, diags...)
		switch {
		case diags.HasErrors():
			ok = false
		case !v.IsWhollyKnown():
			l.unknownHostAttr(a.Name, over)
		case v.IsNull():
		case !l.setHostAttr(h, a, v, over):
			ok = false
		}
	}
	if ok {
		h.obj = hostObject(h.cfg, over)
	}
	return ok
}

// unknownHostAttr records a host attribute whose value is not known: in
// host.NAME it is an unknown value of its type, and unknown groups make
// every group unknown.
func (l *loader) unknownHostAttr(name string, over map[string]cty.Value) {
	a := config.HostAttrNamed(name)
	if a == nil || a.Value == nil {
		return // not shown in host.NAME
	}
	over[name] = cty.UnknownVal(a.Type)
	if name == "groups" {
		l.p.groupsUnknown = true
	}
}

// setHostAttr sets one attribute of a host from its value; over receives
// the values of the host object that keep their marks.
func (l *loader) setHostAttr(h *Host, a *hcl.Attribute, v cty.Value, over map[string]cty.Value) bool {
	switch a.Name {
	case "port":
		cv, ok := l.convertAttr(a, v, cty.Number)
		if !ok {
			return false
		}
		plain, _ := cv.Unmark()
		n, acc := plain.AsBigFloat().Int64()
		if acc != big.Exact || n < 1 || n > 65535 {
			l.errorf(a.Expr.Range().Ptr(), "Invalid port", "port must be a whole number from 1 to 65535.")
			return false
		}
		h.cfg.Port = int(n)
	case "groups":
		return l.setGroups(h, a, v)
	case "vars":
		if t := v.Type(); !t.IsObjectType() && !t.IsMapType() {
			l.errorf(a.Expr.Range().Ptr(), "Invalid vars", "vars must be an object, such as { role = \"primary\" }.")
			return false
		}
		plain, marks := v.Unmark()
		m := plain.AsValueMap()
		for k, e := range m {
			m[k] = e.WithMarks(marks)
		}
		over["vars"], h.cfg.Vars = cty.ObjectVal(m), m
	default: // a string
		cv, ok := l.convertAttr(a, v, cty.String)
		if !ok {
			return false
		}
		plain, _ := cv.Unmark()
		s := plain.AsString()
		switch a.Name {
		case "address":
			h.cfg.Address, over["address"] = s, cv
		case "user":
			h.cfg.User = s
		case "identity_file":
			h.cfg.IdentityFile = s
		case "password":
			h.cfg.Password = s
		case "sudo_password":
			h.cfg.SudoPassword = s
			if err := (&transport.Sudo{Password: s}).Validate(); err != nil {
				l.errorf(a.Expr.Range().Ptr(), "Invalid sudo password", "Host %s: %v.", h.cfg.Name, err)
			}
		case "key_passphrase":
			h.cfg.KeyPassphrase = s
		}
		if config.HostAttrNamed(a.Name).Secret {
			l.p.secrets.Add(s)
		}
	}
	return true
}

// setGroups sets the groups of a host: names, sorted and without
// duplicates.
func (l *loader) setGroups(h *Host, a *hcl.Attribute, v cty.Value) bool {
	cv, ok := l.convertAttr(a, v, cty.List(cty.String))
	if !ok {
		return false
	}
	if cv.ContainsMarked() {
		l.errorf(a.Expr.Range().Ptr(), "Invalid groups", "Group names are shown in plans and events, so they cannot be sensitive.")
		return false
	}
	var groups []string
	for it := cv.ElementIterator(); it.Next(); {
		_, g := it.Element()
		if g.IsNull() || !config.ValidIdentifier(g.AsString()) {
			l.errorf(a.Expr.Range().Ptr(), "Invalid groups", "Every group must be a name: it starts with a letter or an underscore and holds only letters, digits, underscores and dashes.")
			return false
		}
		groups = append(groups, g.AsString())
	}
	slices.Sort(groups)
	h.cfg.Groups = slices.Compact(groups)
	return true
}

// computeGroups builds the groups from the hosts' groups attributes; the
// group "all" holds every declared host.
func (p *Program) computeGroups() {
	p.groups = map[string][]*Host{allGroup: {}}
	for _, h := range p.hosts {
		if h.builtin {
			continue
		}
		p.groups[allGroup] = append(p.groups[allGroup], h)
		for _, g := range h.cfg.Groups {
			if g != allGroup {
				p.groups[g] = append(p.groups[g], h)
			}
		}
	}
}

// groupValue returns the value of group.NAME: a tuple of host objects,
// sorted by host name; unknown when the groups are not known.
func (p *Program) groupValue(name string) cty.Value {
	if p.groupsUnknown {
		return cty.DynamicVal
	}
	members := p.groups[name]
	if len(members) == 0 {
		return cty.EmptyTupleVal
	}
	objs := make([]cty.Value, len(members))
	for i, h := range members {
		objs[i] = h.obj
	}
	return cty.TupleVal(objs)
}

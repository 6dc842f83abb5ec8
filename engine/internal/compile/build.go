package compile

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// build makes the program's scopes, with their variables, local values,
// tasks, outputs and roles, and its hosts from the decoded blocks: it
// evaluates the constant attributes of the variables, and finds each
// task's module and checks the task's arguments against the module's
// schema.
func (l *loader) build(cfg *config.Config) {
	p := l.p
	p.root = l.buildScope(cfg, nil)
	p.vars, p.varIdx = p.root.vars, p.root.varIdx
	slices.SortFunc(p.tasks, func(a, b *task) int { return strings.Compare(a.qname, b.qname) })
	p.sources = append(p.sources, cfg.Inventory...)
}

// addHosts adds the hosts that the host blocks of s declare (cfg's) to
// the playbook's. Host names are shared by the playbook and its roles, so
// a host that a role declares as well, or a role that declares hosts and
// is used twice, is an error.
func (l *loader) addHosts(cfg *config.Config, s *scope) {
	p := l.p
	for _, ch := range cfg.Hosts {
		if prev := p.hostIdx[ch.Name]; prev != nil {
			l.errorf(ch.Decl.Ptr(), "Duplicate host", "A host named %q was already declared at %s%s. Host names are shared by the playbook and its roles, so a role that declares hosts can be used only once, and its hosts' names cannot be declared elsewhere.", ch.Name, prev.decl, scopeWords(prev.scope))
			continue
		}
		h := &Host{cfg: config.HostConfig{Name: ch.Name, Address: ch.Name, Port: 22}, attrs: ch.Attrs, obj: cty.DynamicVal, scope: s, decl: ch.Decl}
		p.hosts = append(p.hosts, h)
		p.hostIdx[h.cfg.Name] = h
	}
}

// scopeWords names the role of s for messages, " (in role.NAME)", or is
// empty for the playbook.
func scopeWords(s *scope) string {
	if s.role == nil {
		return ""
	}
	return " (in " + s.role.path + ")"
}

// constValue evaluates an attribute that may not refer to anything and
// converts it to ty; a null value is refused.
func (l *loader) constValue(a *hcl.Attribute, ty cty.Type) (cty.Value, bool) {
	v, diags := lang.Eval(a.Expr, &hcl.EvalContext{Functions: l.p.funcs})
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return l.convertAttr(a, v, ty)
}

// convertAttr converts the value of an attribute to ty, refusing null and
// reporting a wrong type.
func (l *loader) convertAttr(a *hcl.Attribute, v cty.Value, ty cty.Type) (cty.Value, bool) {
	if v.IsNull() {
		l.errorf(a.Expr.Range().Ptr(), "Invalid "+a.Name, "%s must not be null.", a.Name)
		return cty.NilVal, false
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		l.errorf(a.Expr.Range().Ptr(), "Invalid "+a.Name, "%s must be a %s: %s.", a.Name, ty.FriendlyName(), lang.ConvertMessage(err))
		return cty.NilVal, false
	}
	return cv, true
}

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
	for _, ch := range cfg.Hosts {
		h := &Host{cfg: config.HostConfig{Name: ch.Name, Address: ch.Name, Port: 22}, attrs: ch.Attrs, obj: cty.DynamicVal}
		p.hosts = append(p.hosts, h)
		p.hostIdx[h.cfg.Name] = h
	}
	p.sources = append(p.sources, cfg.Inventory...)
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

package compile

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// build makes the program's variables, local values, hosts and tasks
// from the decoded blocks: it evaluates the constant attributes of the
// variables, and finds each task's module and checks the task's arguments
// against the module's schema.
func (l *loader) build(cfg *config.Config) {
	p := l.p
	for _, cv := range cfg.Variables {
		v := &variable{Variable: cv, value: cty.DynamicVal}
		if a := cv.DescriptionAttr; a != nil {
			if s, ok := l.constValue(a, cty.String); ok {
				v.description = s.AsString()
			}
		}
		if a := cv.SensitiveAttr; a != nil {
			if s, ok := l.constValue(a, cty.Bool); ok {
				v.sensitive = s.True()
			}
		}
		p.vars = append(p.vars, v)
		p.varIdx[v.Name] = v
	}
	for _, cl := range cfg.Locals {
		lv := &localValue{Local: cl, value: cty.DynamicVal}
		p.locals = append(p.locals, lv)
		p.localIdx[lv.Name] = lv
	}
	for _, ch := range cfg.Hosts {
		h := &Host{cfg: config.HostConfig{Name: ch.Name, Address: ch.Name, Port: 22}, attrs: ch.Attrs, obj: cty.DynamicVal}
		p.hosts = append(p.hosts, h)
		p.hostIdx[h.cfg.Name] = h
	}
	for _, ct := range cfg.Tasks {
		t := &task{Task: ct}
		p.tasks = append(p.tasks, t)
		p.taskIdx[t.Name] = t
		if !l.lookupModule(t) {
			t.broken = true
			continue
		}
		l.checkBody(t, ct.Body)
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

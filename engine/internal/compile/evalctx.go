package compile

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// refValues are the values of task and role in the expressions of an
// instance.
type refValues struct{ task, role cty.Value }

// instanceContext returns the evaluation context of an instance: the base
// context of its task's scope (functions, var, local, host, group) with
// self, with task and role when refs is given, and with result when it is
// given (not cty.NilVal).
func (p *Program) instanceContext(inst *Instance, refs *refValues, result cty.Value) *hcl.EvalContext {
	ctx := inst.task.scope.base.NewChild()
	ctx.Variables = map[string]cty.Value{"self": inst.host.obj}
	if inst.each != cty.NilVal {
		ctx.Variables["each"] = inst.each
	}
	if refs != nil {
		ctx.Variables["task"] = refs.task
		ctx.Variables["role"] = refs.role
	}
	if result != cty.NilVal {
		ctx.Variables["result"] = result
	}
	return ctx
}

// refValues returns the values of task and role as inst sees them, from
// outputs, which gives the outputs object of an instance; the diagnostics
// are those of the role outputs it reads.
func (inst *Instance) refValues(outputs func(*Instance) cty.Value) (*refValues, hcl.Diagnostics) {
	return inst.scopeValues(inst.task.scope, outputs)
}

// scopeValues returns the values of task and role in scope s as inst
// sees them: the outputs of the tasks of s it reads, and the outputs of
// the roles of s it reads, evaluated in their roles' scopes on inst's
// host.
func (inst *Instance) scopeValues(s *scope, outputs func(*Instance) cty.Value) (*refValues, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	roles := map[string]map[string]cty.Value{}
	for _, o := range inst.outs {
		r := o.scope.role
		if r == nil || r.parent != s {
			continue
		}
		v, ds := inst.outputValue(o, outputs)
		diags = append(diags, ds...)
		if roles[r.Name] == nil {
			roles[r.Name] = map[string]cty.Value{}
		}
		roles[r.Name][o.Name] = v
	}
	obj := make(map[string]cty.Value, len(roles))
	for name, outs := range roles {
		obj[name] = cty.ObjectVal(outs)
	}
	return &refValues{task: inst.taskObject(s, outputs), role: cty.ObjectVal(obj)}, diags
}

// outputValue evaluates the output o of a role for inst, on inst's host,
// converted to its type; it is unknown when it cannot be evaluated.
func (inst *Instance) outputValue(o *output, outputs func(*Instance) cty.Value) (cty.Value, hcl.Diagnostics) {
	refs, diags := inst.scopeValues(o.scope, outputs)
	ctx := o.scope.base.NewChild()
	ctx.Variables = map[string]cty.Value{"self": inst.host.obj, "task": refs.task, "role": refs.role}
	v, ds := lang.Eval(o.Value.Expr, ctx)
	diags = append(diags, ds...)
	if ds.HasErrors() {
		return cty.DynamicVal, diags
	}
	if o.Defaults != nil {
		v = o.Defaults.Apply(v)
	}
	cv, err := convert.Convert(v, o.Type)
	if err != nil {
		return cty.UnknownVal(o.Type), append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid output value",
			Detail:   fmt.Sprintf("The output %q of %s must be a %s: %s.", o.Name, o.scope.role.path, o.Type.FriendlyNameForConstraint(), lang.ConvertMessage(err)),
			Subject:  o.Value.Expr.Range().Ptr(),
		})
	}
	return cv, diags
}

// taskObject returns the value of task in scope s as inst sees it: for
// each task of s it refers to, the outputs of that task's instance on the
// same host, and under on, the outputs of the instances it names by host;
// for a task with for_each, an object of outputs by key in place of each
// outputs. outputs gives the outputs object of an instance. A task whose
// hosts are not known (a variable is missing) is an unknown value.
func (inst *Instance) taskObject(s *scope, outputs func(*Instance) cty.Value) cty.Value {
	tasks := make(map[string]cty.Value, len(inst.views))
	for _, v := range inst.views {
		if v.task.scope != s {
			continue
		}
		if v.task.onUnknown {
			tasks[v.task.Name] = cty.DynamicVal
			continue
		}
		attrs := map[string]cty.Value{}
		for _, s := range v.same {
			if v.task.keyed() {
				attrs[s.key] = outputs(s)
				continue
			}
			out := outputs(s)
			for name := range v.task.schema.out.AttributeTypes() {
				attrs[name] = out.GetAttr(name)
			}
		}
		if len(v.on) > 0 {
			on := make(map[string]cty.Value, len(v.on))
			keyed := map[string]map[string]cty.Value{}
			for _, o := range v.on {
				if !v.task.keyed() {
					on[o.host.cfg.Name] = outputs(o)
					continue
				}
				if keyed[o.host.cfg.Name] == nil {
					keyed[o.host.cfg.Name] = map[string]cty.Value{}
				}
				keyed[o.host.cfg.Name][o.key] = outputs(o)
			}
			for host, byKey := range keyed {
				on[host] = cty.ObjectVal(byKey)
			}
			attrs["on"] = cty.ObjectVal(on)
		}
		tasks[v.task.Name] = cty.ObjectVal(attrs)
	}
	return cty.ObjectVal(tasks)
}

// unknownOutputs stands for the outputs of an instance that has not run:
// unknown values of the declared types.
func unknownOutputs(inst *Instance) cty.Value { return cty.UnknownVal(inst.task.schema.out) }

// nullOutputs stands for the outputs of an instance that was skipped or
// whose failure was ignored: every output null.
func nullOutputs(inst *Instance) cty.Value {
	attrs := map[string]cty.Value{}
	for name, ty := range inst.task.schema.out.AttributeTypes() {
		attrs[name] = cty.NullVal(ty)
	}
	return cty.ObjectVal(attrs)
}

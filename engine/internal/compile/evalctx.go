package compile

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// instanceContext returns the evaluation context of an instance: the base
// context (functions, var, local, host, group) with self, and with task
// and result when they are given (not cty.NilVal).
func (p *Program) instanceContext(inst *Instance, tasks, result cty.Value) *hcl.EvalContext {
	ctx := p.base.NewChild()
	ctx.Variables = map[string]cty.Value{"self": inst.host.obj}
	if inst.each != cty.NilVal {
		ctx.Variables["each"] = inst.each
	}
	if tasks != cty.NilVal {
		ctx.Variables["task"] = tasks
	}
	if result != cty.NilVal {
		ctx.Variables["result"] = result
	}
	return ctx
}

// taskObject returns the value of task as inst sees it: for each task it
// refers to, the outputs of that task's instance on the same host, and
// under on, the outputs of the instances it names by host; for a task
// with for_each, an object of outputs by key in place of each outputs. outputs gives
// the outputs object of an instance. A task whose hosts are not known (a
// variable is missing) is an unknown value.
func (inst *Instance) taskObject(outputs func(*Instance) cty.Value) cty.Value {
	if len(inst.views) == 0 {
		return cty.EmptyObjectVal
	}
	tasks := make(map[string]cty.Value, len(inst.views))
	for _, v := range inst.views {
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

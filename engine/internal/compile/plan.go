package compile

import (
	"cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/zclconf/go-cty/cty"
)

// Plan is what a run would do, as far as it is known before anything runs.
type Plan struct {
	// Instances holds every instance in the order a run that starts them
	// one at a time would take: each after every instance it depends on,
	// and among those ready, by task, then host.
	Instances []PlannedInstance
}

// PlannedInstance is one task instance in a plan.
type PlannedInstance struct {
	InstanceInfo
	// Description says what the instance would do, from the module's
	// Describe method when every argument is known; else it is empty.
	Description string
	// Args maps each argument set in the task to its value in HCL syntax
	// (a host argument as host.NAME), or to "(known after run)" when it depends on the outputs of other
	// tasks, or to "(sensitive)".
	Args map[string]string
	// When is the task's when condition: "true", "false", "(known after
	// run)", or empty when the task has none.
	When string
	// SudoUser is the user the instance's commands run as through sudo:
	// its sudo_user, "root" for sudo = true, or empty without sudo.
	SudoUser string
}

// KnownAfterRun stands, in plans and in InstanceInfo.Confirm, for a value
// that depends on the outputs of tasks that have not run.
const KnownAfterRun = "(known after run)"

// Plan evaluates every instance's arguments with the outputs of other
// tasks unknown, and asks modules to describe the instances whose
// arguments are all known; what is known of the arguments was validated
// when the playbook loaded. It connects to no host.
func (p *Program) Plan() (*Plan, hcl.Diagnostics) {
	if !p.valid {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Playbook has errors", Detail: "The playbook did not load without errors, so it cannot be planned."}}
	}
	plan := &Plan{}
	var diags hcl.Diagnostics
	order, _ := p.graph.TopoOrder() // acyclic: checked when the playbook loaded
	for _, id := range order {
		pi, ds := p.planInstance(p.insts[id])
		plan.Instances = append(plan.Instances, pi)
		diags = append(diags, ds...)
	}
	p.secrets.RedactDiags(diags)
	return plan, diags
}

// planInstance plans one instance.
func (p *Program) planInstance(inst *Instance) (PlannedInstance, hcl.Diagnostics) {
	t := inst.task
	pi := PlannedInstance{InstanceInfo: inst.Info(), Args: map[string]string{}}
	if inst.sudo {
		pi.SudoUser = cmp.Or(inst.sudoUser, "root")
	}
	refs, diags := inst.refValues(unknownOutputs)
	ctx := p.instanceContext(inst, refs, cty.NilVal)
	args, ds := evalArgs(t, ctx)
	diags = append(diags, ds...)
	allKnown := !diags.HasErrors()
	for name, v := range args {
		pi.Args[name] = p.secrets.Redact(renderArg(t.schema.fields[name], v))
		allKnown = allKnown && v.IsWhollyKnown()
	}
	if t.Meta.Get("when") != nil {
		v, ds := lang.Eval(t.Meta.Get("when").Expr, ctx)
		diags = append(diags, ds...)
		pi.When = renderValue(v)
	}
	if !allKnown {
		return pi, diags
	}
	m, _, _, ds := decodeModule(inst, args)
	diags = append(diags, ds...)
	if ds.HasErrors() {
		return pi, diags
	}
	if d, ok := m.(module.Describer); ok {
		pi.Description = p.secrets.Redact(d.Describe())
	}
	return pi, diags
}

// renderArg renders the value of a module argument for a plan: a host
// argument as the host it names (host.NAME), any other as renderValue
// does.
func renderArg(f *field, v cty.Value) string {
	if f != nil && f.kind == module.HostValue && v.IsWhollyKnown() && !v.IsNull() && !v.ContainsMarked() {
		if name, err := lang.HostName(v); err == nil {
			return "host." + name
		}
	}
	return renderValue(v)
}

// renderValue renders a value for a plan: in HCL syntax, or
// "(sensitive)", or "(known after run)".
func renderValue(v cty.Value) string {
	switch {
	case v.ContainsMarked():
		return lang.RedactedText
	case !v.IsWhollyKnown():
		return KnownAfterRun
	}
	return string(hclwrite.TokensForValue(v).Bytes())
}

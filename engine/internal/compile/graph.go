package compile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/lang"
)

// buildGraph numbers the instances and links each to the instances its
// task's references and depends_on name. It returns false when the graph
// has a cycle, which it reports with the place of every reference in the
// loop.
func (l *loader) buildGraph() bool {
	p := l.p
	for _, t := range p.tasks {
		for _, inst := range t.insts {
			inst.id = len(p.insts)
			p.insts = append(p.insts, inst)
		}
	}
	g := dag.New(len(p.insts))
	edges := edgeRanges{}
	for _, t := range p.tasks {
		var collect instanceDiags
		for _, inst := range t.insts {
			views := map[string]*taskView{}
			for _, r := range t.refs {
				collect.add(inst, l.link(inst, r, views, g, edges)...)
			}
			for _, r := range t.after {
				collect.add(inst, l.link(inst, r, nil, g, edges)...)
			}
			for _, r := range t.watch {
				collect.add(inst, l.link(inst, r, nil, g, edges)...)
				if w := p.taskIdx[r.Name].byHost[inst.host.cfg.Name]; w != nil {
					inst.watches = append(inst.watches, w)
				}
			}
			for _, name := range sortedKeys(views) {
				inst.views = append(inst.views, *views[name])
			}
		}
		if diags := collect.flush(); len(diags) > 0 {
			l.diags = append(l.diags, diags...)
			t.broken = true
		}
	}
	p.graph = g
	if _, err := g.TopoOrder(); err != nil {
		l.diags = append(l.diags, cycleDiags(g.Cycles(), edges, p.instanceName())...)
		return false
	}
	for _, inst := range p.insts {
		inst.deps = g.Dependencies(inst.id)
	}
	for _, inst := range p.insts {
		inst.describe(p)
	}
	return true
}

// link adds the edges that reference r makes from inst, and records in
// views what task.NAME shows inst (views is nil for depends_on).
func (l *loader) link(inst *Instance, r lang.Reference, views map[string]*taskView, g *dag.Graph, edges edgeRanges) hcl.Diagnostics {
	target := l.p.taskIdx[r.Name]
	if target.schema == nil || target.broken && len(target.insts) == 0 {
		return nil // its module or its on is wrong; already reported
	}
	var v *taskView
	if views != nil {
		if v = views[r.Name]; v == nil {
			v = &taskView{task: target}
			views[r.Name] = v
		}
	}
	if target.onUnknown {
		return nil // a variable is missing, which is reported; the view stays unknown
	}
	addOn := func(ti *Instance) {
		edges.add(g, inst.id, ti.id, r.Range())
		if v != nil && !slices.Contains(v.on, ti) {
			v.on = append(v.on, ti)
			slices.SortFunc(v.on, func(a, b *Instance) int { return strings.Compare(a.host.cfg.Name, b.host.cfg.Name) })
		}
	}
	switch {
	case r.SameHost && target.byHost[inst.host.cfg.Name] != nil:
		edges.add(g, inst.id, target.byHost[inst.host.cfg.Name].id, r.Range())
	case r.AllHosts:
		for _, ti := range target.insts {
			addOn(ti)
		}
		if v != nil {
			v.same = target.byHost[inst.host.cfg.Name]
		}
	case r.Host == "":
		ti := target.byHost[inst.host.cfg.Name]
		if ti == nil {
			return hcl.Diagnostics{noInstanceDiag(target, inst, r)}
		}
		edges.add(g, inst.id, ti.id, r.Range())
		if v != nil {
			v.same = ti
		}
	default:
		ti := target.byHost[r.Host]
		if ti == nil {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Task has no instance on this host",
				Detail:   fmt.Sprintf("Task %q does not run on host %q; it runs on %s.", target.Name, r.Host, hostList(target)),
				Subject:  r.HostRange().Ptr(),
			}}
		}
		addOn(ti)
	}
	return nil
}

// noInstanceDiag reports task.NAME.OUT written in an instance on a host
// where NAME does not run.
func noInstanceDiag(target *task, inst *Instance, r lang.Reference) *hcl.Diagnostic {
	if r.Bare { // in on_change
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Task has no instance on this host",
			Detail: fmt.Sprintf("on_change names task.%s, which does not run on host %q (it runs on %s): a task runs after the changes made on its own host only. Run the task on the hosts of %q, or leave %q out of on_change.",
				target.Name, inst.host.cfg.Name, hostList(target), target.Name, target.Name),
			Subject: r.Range().Ptr(),
		}
	}
	example := "task." + target.Name + ".on.HOST"
	if len(target.hosts) > 0 {
		example = "task." + target.Name + ".on." + target.hosts[0].cfg.Name
	}
	if r.Attr != "" {
		example += "." + r.Attr
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Task has no instance on this host",
		Detail: fmt.Sprintf("task.%s refers to the instance of %q on the same host, %q, but %q runs on %s. Name the host explicitly, as in %s.",
			target.Name, target.Name, inst.host.cfg.Name, target.Name, hostList(target), example),
		Subject: r.Range().Ptr(),
	}
}

// hostList names the hosts a task runs on, for messages.
func hostList(t *task) string {
	if len(t.hosts) == 0 {
		return "no host"
	}
	names := make([]string, len(t.hosts))
	for i, h := range t.hosts {
		names[i] = h.cfg.Name
	}
	if len(names) == 1 {
		return "host " + names[0]
	}
	return "hosts " + strings.Join(names, ", ")
}

// instanceName returns a function naming the nodes of the instance graph
// in cycle messages: task.NAME, with the host when the task runs on more
// than one.
func (p *Program) instanceName() func(int) string {
	return func(i int) string {
		inst := p.insts[i]
		if len(inst.task.insts) > 1 {
			return fmt.Sprintf("task.%s (on %s)", inst.task.Name, inst.host.cfg.Name)
		}
		return "task." + inst.task.Name
	}
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

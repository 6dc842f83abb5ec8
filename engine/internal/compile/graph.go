package compile

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/internal/suggest"
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
		outs := closure(t.outs)
		for _, inst := range t.insts {
			inst.outs = outs
			views := map[*task]*taskView{}
			for _, r := range t.refs {
				collect.add(inst, l.link(inst, t.scope, r, views, g, edges)...)
			}
			for _, o := range outs {
				for _, r := range o.refs {
					collect.add(inst, l.link(inst, o.scope, r, views, g, edges)...)
				}
			}
			for _, r := range t.after {
				collect.add(inst, l.link(inst, t.scope, r, nil, g, edges)...)
			}
			for _, rd := range t.afterRoles {
				linkRole(inst, rd, g, edges)
			}
			for _, r := range t.watch {
				collect.add(inst, l.link(inst, t.scope, r, nil, g, edges)...)
				target := t.scope.taskIdx[r.Name]
				if !r.HasKey {
					inst.watches = append(inst.watches, target.byHost[inst.host.cfg.Name]...)
				} else if w := target.instance(inst.host.cfg.Name, r.Key); w != nil {
					inst.watches = append(inst.watches, w)
				}
			}
			for _, v := range views {
				inst.views = append(inst.views, *v)
			}
			slices.SortFunc(inst.views, func(a, b taskView) int { return strings.Compare(a.task.qname, b.task.qname) })
		}
		if diags := collect.flush(); len(diags) > 0 {
			l.diags = append(l.diags, diags...)
			t.broken = true
		}
	}
	p.makeBatches(g, edges)
	p.graph = g
	if _, err := g.TopoOrder(); err != nil {
		l.diags = append(l.diags, cycleDiags(g.Cycles(), edges, p.instanceName())...)
		return false
	}
	for _, inst := range p.insts {
		inst.deps = g.Dependencies(inst.id)
		inst.waits = g.Waits(inst.id)
	}
	for _, inst := range p.insts {
		inst.describe(p)
	}
	return true
}

// link adds the edges that reference r, written in s, makes from inst,
// and records in views what task.NAME shows inst (views is nil for
// depends_on and on_change).
func (l *loader) link(inst *Instance, s *scope, r lang.Reference, views map[*task]*taskView, g *dag.Graph, edges edgeRanges) hcl.Diagnostics {
	target := s.taskIdx[r.Name]
	if target.schema == nil || target.broken && len(target.insts) == 0 {
		return nil // its module or its on is wrong; already reported
	}
	var v *taskView
	if views != nil {
		if v = views[target]; v == nil {
			v = &taskView{task: target}
			views[target] = v
		}
	}
	if target.onUnknown {
		return nil // a variable is missing, which is reported; the view stays unknown
	}
	add := func(list func(*taskView) *[]*Instance, tis ...*Instance) {
		for _, ti := range tis {
			edges.add(g, inst.id, ti.id, r.Range())
			if v != nil && !slices.Contains(*list(v), ti) {
				*list(v) = append(*list(v), ti)
				slices.SortFunc(*list(v), byHostKey)
			}
		}
	}
	same := func(v *taskView) *[]*Instance { return &v.same }
	on := func(v *taskView) *[]*Instance { return &v.on }
	here := target.byHost[inst.host.cfg.Name]
	switch {
	case r.SameHost && len(here) > 0:
		add(same, here...)
	case r.AllHosts:
		add(on, target.insts...)
		add(same, here...)
	case r.Host == "" && len(here) == 0:
		return hcl.Diagnostics{noInstanceDiag(target, inst, r)}
	case r.Host == "" && r.HasKey:
		ti := target.instance(inst.host.cfg.Name, r.Key)
		if ti == nil {
			return hcl.Diagnostics{missingKeyDiag(target, inst.host.cfg.Name, r)}
		}
		add(same, ti)
	case r.Host == "":
		add(same, here...)
	case len(target.byHost[r.Host]) == 0:
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Task has no instance on this host",
			Detail:   fmt.Sprintf("Task %q does not run on host %q; it runs on %s.", target.Name, r.Host, hostList(target)),
			Subject:  r.HostRange().Ptr(),
		}}
	case r.HasKey:
		ti := target.instance(r.Host, r.Key)
		if ti == nil {
			return hcl.Diagnostics{missingKeyDiag(target, r.Host, r)}
		}
		add(on, ti)
	default:
		add(on, target.byHost[r.Host]...)
	}
	return nil
}

// linkRole adds the edges from inst to the instances of every task of
// the role rd names, nested roles' included: those on inst's host when
// the role runs there, else all of them, as depends_on = [task.NAME] does
// for one task.
func linkRole(inst *Instance, rd roleDep, g *dag.Graph, edges edgeRanges) {
	var all, here []*Instance
	rd.role.scope.walk(func(s *scope) {
		for _, t := range s.tasks {
			all = append(all, t.insts...)
			here = append(here, t.byHost[inst.host.cfg.Name]...)
		}
	})
	if len(here) == 0 {
		here = all
	}
	for _, ti := range here {
		edges.add(g, inst.id, ti.id, rd.rng)
	}
}

// byHostKey orders instances by host, then key.
func byHostKey(a, b *Instance) int {
	return cmp.Or(strings.Compare(a.host.cfg.Name, b.host.cfg.Name), strings.Compare(a.key, b.key))
}

// missingKeyDiag reports a reference to a key that the for_each of target
// does not give on host.
func missingKeyDiag(target *task, host string, r lang.Reference) *hcl.Diagnostic {
	keys := target.keysOn(host)
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to undeclared key",
		Detail: fmt.Sprintf("The for_each of task %q gives no key %q on host %q; its keys there are %s.%s",
			target.Name, r.Key, host, quotedList(keys), suggest.DidYouMean(r.Key, keys)),
		Subject: r.Range().Ptr(),
	}
}

// keysOn returns the keys of t's instances on host, in order: none when
// t has no for_each or does not run there.
func (t *task) keysOn(host string) []string {
	var keys []string
	for _, ti := range t.byHost[host] {
		if ti.key != "" {
			keys = append(keys, ti.key)
		}
	}
	return keys
}

// quotedList lists words quoted, for messages.
func quotedList(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = strconv.Quote(w)
	}
	return listWords(quoted)
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
		name := inst.task.ref()
		switch {
		case inst.key != "":
			return fmt.Sprintf("%s[%q] (on %s)", name, inst.key, inst.host.cfg.Name)
		case len(inst.task.insts) > 1:
			return fmt.Sprintf("%s (on %s)", name, inst.host.cfg.Name)
		}
		return name
	}
}

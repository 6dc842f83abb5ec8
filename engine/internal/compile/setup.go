package compile

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/zclconf/go-cty/cty"
)

// evalLocalsAndHosts evaluates the local values and the host blocks as the
// nodes of one graph, each once, in dependency order: a local value may
// refer to variables, other local values, hosts and groups; a host block
// to variables and local values. It returns false when the graph has a
// cycle.
func (l *loader) evalLocalsAndHosts() bool {
	p := l.p
	var declared []*Host
	for _, h := range p.hosts {
		if !h.builtin {
			declared = append(declared, h)
		}
	}
	nl := len(p.locals)
	n := nl + len(declared)
	refs := make([][]lang.Reference, n)
	bad := make([]bool, n)
	localNode := map[string]int{}
	for i, lv := range p.locals {
		localNode[lv.Name] = i
		before := len(l.diags)
		refs[i] = l.references(lv.Attr.Expr, lang.ScopeLocal)
		bad[i] = len(l.diags) > before
	}
	hostNode := map[string]int{}
	for j, h := range declared {
		hostNode[h.cfg.Name] = nl + j
		before := len(l.diags)
		for _, a := range h.attrs {
			refs[nl+j] = append(refs[nl+j], l.references(a.Expr, lang.ScopeHost)...)
		}
		bad[nl+j] = len(l.diags) > before
	}
	g := dag.New(n)
	edges := edgeRanges{}
	for i, rs := range refs {
		for _, r := range rs {
			switch r.Kind {
			case lang.RefLocal:
				edges.add(g, i, localNode[r.Name], r.Range())
			case lang.RefHost:
				if to, ok := hostNode[r.Name]; ok {
					edges.add(g, i, to, r.Range())
				}
			case lang.RefGroup:
				for _, to := range hostNode {
					edges.add(g, i, to, r.Range())
				}
			}
		}
	}
	name := func(i int) string {
		if i < nl {
			return "local." + p.locals[i].Name
		}
		return "host." + declared[i-nl].cfg.Name
	}
	order, err := g.TopoOrder()
	if err != nil {
		l.diags = append(l.diags, cycleDiags(g.Cycles(), edges, name)...)
		return false
	}
	failed := bad
	grouped := false
	for _, i := range order {
		for _, d := range g.Dependencies(i) {
			failed[i] = failed[i] || failed[d]
		}
		if failed[i] {
			continue
		}
		if !grouped && needsGroups(refs[i]) {
			p.computeGroups()
			grouped = true
		}
		if !l.checkGroups(refs[i]) {
			failed[i] = true
			continue
		}
		ctx := p.refContext(refs[i])
		if i >= nl {
			failed[i] = !l.evalHost(declared[i-nl], ctx)
			continue
		}
		lv := p.locals[i]
		v, diags := lang.Eval(lv.Attr.Expr, ctx)
		l.diags = append(l.diags, diags...)
		if failed[i] = diags.HasErrors(); !failed[i] {
			lv.value = v
		}
	}
	p.computeGroups()
	return true
}

// needsGroups reports whether refs name a group.
func needsGroups(refs []lang.Reference) bool {
	for _, r := range refs {
		if r.Kind == lang.RefGroup {
			return true
		}
	}
	return false
}

// checkGroups reports the groups refs name that do not exist, once the
// groups are known.
func (l *loader) checkGroups(refs []lang.Reference) bool {
	ok := true
	for _, r := range refs {
		if r.Kind == lang.RefGroup {
			if d := l.p.checkExists(r); d != nil {
				l.diags = append(l.diags, d)
				ok = false
			}
		}
	}
	return ok
}

// refContext returns an evaluation context holding the functions and
// exactly the variables, local values, hosts and groups that refs name.
func (p *Program) refContext(refs []lang.Reference) *hcl.EvalContext {
	objs := map[string]map[string]cty.Value{"var": {}, "local": {}, "host": {}, "group": {}}
	for _, r := range refs {
		switch r.Kind {
		case lang.RefVar:
			objs["var"][r.Name] = p.varIdx[r.Name].value
		case lang.RefLocal:
			objs["local"][r.Name] = p.localIdx[r.Name].value
		case lang.RefHost:
			objs["host"][r.Name] = p.hostIdx[r.Name].obj
		case lang.RefGroup:
			objs["group"][r.Name] = p.groupValue(r.Name)
		}
	}
	ctx := &hcl.EvalContext{Functions: p.funcs, Variables: map[string]cty.Value{}}
	for root, m := range objs {
		ctx.Variables[root] = cty.ObjectVal(m)
	}
	return ctx
}

// baseContext returns the evaluation context of every task expression:
// the functions and every variable, local value, host and group.
func (l *loader) baseContext() *hcl.EvalContext {
	p := l.p
	vars, locals, hosts, groups := map[string]cty.Value{}, map[string]cty.Value{}, map[string]cty.Value{}, map[string]cty.Value{}
	for _, v := range p.vars {
		vars[v.Name] = v.value
	}
	for _, lv := range p.locals {
		locals[lv.Name] = lv.value
	}
	for _, h := range p.hosts {
		hosts[h.cfg.Name] = h.obj
	}
	for name := range p.groups {
		groups[name] = p.groupValue(name)
	}
	groupObj := cty.ObjectVal(groups)
	if p.groupsUnknown {
		groupObj = cty.DynamicVal
	}
	return &hcl.EvalContext{Functions: p.funcs, Variables: map[string]cty.Value{
		"var": cty.ObjectVal(vars), "local": cty.ObjectVal(locals),
		"host": cty.ObjectVal(hosts), "group": groupObj,
	}}
}

// edgeRanges remembers, for each edge of a graph, the first reference
// that made it, to show where a cycle comes from.
type edgeRanges map[[2]int]hcl.Range

// add adds the edge from -> to to g, remembering the earliest reference
// that makes it.
func (e edgeRanges) add(g *dag.Graph, from, to int, rng hcl.Range) {
	key := [2]int{from, to}
	prev, ok := e[key]
	if !ok {
		g.AddEdge(from, to)
	}
	if !ok || rangeBefore(rng, prev) {
		e[key] = rng
	}
}

// rangeBefore reports whether a starts before b, by file name, then
// position.
func rangeBefore(a, b hcl.Range) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Start.Byte < b.Start.Byte
}

// cycleDiags reports each cycle with the place of every reference in the
// loop. Cycles that read the same (as the instances of one task on
// several hosts do) are reported once.
func cycleDiags(cycles [][]int, edges edgeRanges, name func(int) string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	for _, c := range cycles {
		var b strings.Builder
		var key strings.Builder
		first := edges[[2]int{c[0], c[1%len(c)]}]
		for i, from := range c {
			to := c[(i+1)%len(c)]
			rng := edges[[2]int{from, to}]
			fmt.Fprintf(&b, "\n  %s refers to %s at %s", name(from), name(to), rng)
			fmt.Fprintf(&key, "%s;", rng)
		}
		if seen[key.String()] {
			continue
		}
		seen[key.String()] = true
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Dependency cycle",
			Detail:   "These depend on each other in a loop, so none of them can be evaluated first:" + b.String(),
			Subject:  first.Ptr(),
		})
	}
	return diags
}

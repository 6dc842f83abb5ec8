package compile

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/zclconf/go-cty/cty"
)

// valueNode is a value known when the playbook loads, a node of the
// graph evalLocalsAndHosts walks: a local value, an input of a role or a
// host block.
type valueNode struct {
	name  string // for cycle messages: local.NAME, host.NAME or role.NAME.INPUT
	scope *scope // where its references resolve
	refs  []lang.Reference
	eval  func(ctx *hcl.EvalContext) bool
}

// evalLocalsAndHosts evaluates the local values of every scope, the
// inputs of every role and the host blocks as the nodes of one graph,
// each once, in dependency order: a local value or a role's input may
// refer to variables, local values, hosts and groups of its scope; a host
// block to the playbook's variables and local values. It returns false
// when the graph has a cycle.
func (l *loader) evalLocalsAndHosts() bool {
	p := l.p
	var nodes []*valueNode
	var bad []bool
	add := func(n *valueNode, exprs []hcl.Expression, sc lang.Scope) {
		before := len(l.diags)
		for _, e := range exprs {
			n.refs = append(n.refs, l.references(n.scope, e, sc)...)
		}
		nodes = append(nodes, n)
		bad = append(bad, len(l.diags) > before)
	}
	localNode := map[*localValue]int{}
	inputNode := map[*variable]int{}
	p.root.walk(func(s *scope) {
		for _, lv := range s.locals {
			localNode[lv] = len(nodes)
			name := "local." + lv.Name
			if s.role != nil {
				name += " of " + s.role.path
			}
			add(&valueNode{name: name, scope: s, eval: l.localEval(lv)}, []hcl.Expression{lv.Attr.Expr}, lang.ScopeLocal)
		}
		if r := s.role; r != nil {
			for _, a := range r.Inputs {
				if v := s.varIdx[a.Name]; v != nil {
					inputNode[v] = len(nodes)
					add(&valueNode{name: r.path + "." + a.Name, scope: r.parent, eval: l.inputEval(r, v, a)}, []hcl.Expression{a.Expr}, lang.ScopeInput)
				}
			}
		}
	})
	hostNode := map[string]int{}
	for _, h := range p.hosts {
		if h.builtin {
			continue
		}
		hostNode[h.cfg.Name] = len(nodes)
		exprs := make([]hcl.Expression, len(h.attrs))
		for i, a := range h.attrs {
			exprs[i] = a.Expr
		}
		add(&valueNode{name: "host." + h.cfg.Name, scope: h.scope, eval: func(ctx *hcl.EvalContext) bool { return l.evalHost(h, ctx) }}, exprs, lang.ScopeHost)
	}
	g := dag.New(len(nodes))
	edges := edgeRanges{}
	for i, n := range nodes {
		for _, r := range n.refs {
			switch r.Kind {
			case lang.RefLocal:
				edges.add(g, i, localNode[n.scope.localIdx[r.Name]], r.Range())
			case lang.RefVar:
				if to, ok := inputNode[n.scope.varIdx[r.Name]]; ok {
					edges.add(g, i, to, r.Range())
				}
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
	order, err := g.TopoOrder()
	if err != nil {
		l.diags = append(l.diags, cycleDiags(g.Cycles(), edges, func(i int) string { return nodes[i].name })...)
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
		if !grouped && needsGroups(nodes[i].refs) {
			p.computeGroups()
			grouped = true
		}
		if !l.checkGroups(nodes[i].refs) {
			failed[i] = true
			continue
		}
		failed[i] = !nodes[i].eval(p.refContext(nodes[i].scope, nodes[i].refs))
	}
	p.computeGroups()
	return true
}

// localEval returns the evaluation of a local value.
func (l *loader) localEval(lv *localValue) func(*hcl.EvalContext) bool {
	return func(ctx *hcl.EvalContext) bool {
		v, diags := lang.Eval(lv.Attr.Expr, ctx)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			return false
		}
		lv.value = v
		return true
	}
}

// inputEval returns the evaluation of the input a of role r, the value
// of its variable v.
func (l *loader) inputEval(r *role, v *variable, a *hcl.Attribute) func(*hcl.EvalContext) bool {
	return func(ctx *hcl.EvalContext) bool {
		before := len(l.diags)
		l.assignExpr(v, a.Expr, inputSource(r, a), ctx)
		l.markSensitive(v)
		return len(l.diags) == before
	}
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
			if d := l.p.checkExists(l.p.root, r); d != nil {
				l.diags = append(l.diags, d)
				ok = false
			}
		}
	}
	return ok
}

// refContext returns an evaluation context holding the functions and
// exactly the variables, local values (of s), hosts and groups that refs
// name.
func (p *Program) refContext(s *scope, refs []lang.Reference) *hcl.EvalContext {
	objs := map[string]map[string]cty.Value{"var": {}, "local": {}, "host": {}, "group": {}}
	for _, r := range refs {
		switch r.Kind {
		case lang.RefVar:
			objs["var"][r.Name] = s.varIdx[r.Name].value
		case lang.RefLocal:
			objs["local"][r.Name] = s.localIdx[r.Name].value
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

// baseContext returns the evaluation context of every expression of s
// that runs in a task: the functions, the variables and local values of
// s, and every host and group.
func (l *loader) baseContext(s *scope) *hcl.EvalContext {
	p := l.p
	vars, locals, hosts, groups := map[string]cty.Value{}, map[string]cty.Value{}, map[string]cty.Value{}, map[string]cty.Value{}
	for _, v := range s.vars {
		vars[v.Name] = v.value
	}
	for _, lv := range s.locals {
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

// addWait adds the wait edge from -> to to g, remembering rng, the batch
// that makes it.
func (e edgeRanges) addWait(g *dag.Graph, from, to int, rng hcl.Range) {
	key := [2]int{from, to}
	if _, ok := e[key]; !ok {
		g.AddWaitEdge(from, to)
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

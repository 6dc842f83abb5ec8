package compile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/internal/suggest"
	"github.com/zclconf/go-cty/cty"
)

// scope is where the names of expressions resolve: the playbook itself,
// or one use of a role. var, local, task and role name what the scope
// declares; host and group are shared by every scope.
type scope struct {
	role      *role // the role of the scope; nil for the playbook
	vars      []*variable
	varIdx    map[string]*variable
	locals    []*localValue
	localIdx  map[string]*localValue
	tasks     []*task // sorted by name
	taskIdx   map[string]*task
	roles     []*role // sorted by name
	roleIdx   map[string]*role
	outputs   []*output // sorted by name
	outputIdx map[string]*output
	base      *hcl.EvalContext // functions, var, local, host and group
}

// role is a role block: the scope of its source, and what it passes on to
// its tasks.
type role struct {
	*config.Role
	path   string // its name in references from the playbook: role.web, or role.web.role.nginx for a nested one
	parent *scope
	scope  *scope
	// hosts are the hosts its tasks without on run on: its on, or its
	// parent's; hostsUnknown is set when on is not known (a variable is
	// missing).
	hosts        []*Host
	hostsUnknown bool
	tags         []string   // its tags and those of the roles it is in, sorted
	batch        *batchPlan // its batch and max_failures; nil without batch
}

// output is an output block of a role (or of the playbook, where nothing
// reads it).
type output struct {
	*config.Output
	scope *scope
	refs  []lang.Reference // its references to the tasks of its scope
	outs  []*output        // the outputs of roles it reads
}

// newScope returns an empty scope of r (nil for the playbook).
func newScope(r *role) *scope {
	return &scope{
		role: r, varIdx: map[string]*variable{}, localIdx: map[string]*localValue{}, taskIdx: map[string]*task{},
		roleIdx: map[string]*role{}, outputIdx: map[string]*output{},
	}
}

// prefix returns what the names of the scope's tasks start with: "" for
// the playbook, "role.web." for a role.
func (s *scope) prefix() string {
	if s.role == nil {
		return ""
	}
	return s.role.path + "."
}

// walk calls f for s and every scope nested in it, parents first.
func (s *scope) walk(f func(*scope)) {
	f(s)
	for _, r := range s.roles {
		r.scope.walk(f)
	}
}

// buildScope makes the scope of cfg, the playbook's blocks or those of
// r's source, and the scopes of the roles it declares.
func (l *loader) buildScope(cfg *config.Config, r *role) *scope {
	p := l.p
	s := newScope(r)
	l.addHosts(cfg, s)
	for _, cv := range cfg.Variables {
		v := &variable{Variable: cv, value: cty.DynamicVal}
		if a := cv.DescriptionAttr; a != nil {
			if d, ok := l.constValue(a, cty.String); ok {
				v.description = d.AsString()
			}
		}
		if a := cv.SensitiveAttr; a != nil {
			if d, ok := l.constValue(a, cty.Bool); ok {
				v.sensitive = d.True()
			}
		}
		s.vars = append(s.vars, v)
		s.varIdx[v.Name] = v
	}
	for _, cl := range cfg.Locals {
		lv := &localValue{Local: cl, value: cty.DynamicVal}
		s.locals = append(s.locals, lv)
		s.localIdx[lv.Name] = lv
	}
	for _, ct := range cfg.Tasks {
		t := &task{Task: ct, scope: s, qname: s.prefix() + "task." + ct.Name}
		if r == nil {
			t.qname = ct.Name
		}
		s.tasks = append(s.tasks, t)
		s.taskIdx[t.Name] = t
		p.tasks = append(p.tasks, t)
		p.taskIdx[t.qname] = t
		if !l.lookupModule(t) {
			t.broken = true
			continue
		}
		l.checkBody(t, ct.Body)
	}
	for _, co := range cfg.Outputs {
		o := &output{Output: co, scope: s}
		s.outputs = append(s.outputs, o)
		s.outputIdx[o.Name] = o
	}
	for _, cr := range cfg.Roles {
		child := &role{Role: cr, path: s.prefix() + "role." + cr.Name, parent: s}
		s.roles = append(s.roles, child)
		s.roleIdx[cr.Name] = child
		if cr.Config == nil {
			child.scope = newScope(child) // its source could not be read, which is reported
			continue
		}
		p.sources = append(p.sources, cr.Config.Files...)
		child.scope = l.buildScope(cr.Config, child)
		l.roleDefaults(child)
	}
	return s
}

// roleDefaults gives the variables of r their defaults, and reports the
// inputs of r that name no variable and the variables without a default
// that r gives no input.
func (l *loader) roleDefaults(r *role) {
	s := r.scope
	for _, a := range r.Inputs {
		if s.varIdx[a.Name] == nil {
			l.errorf(a.NameRange.Ptr(), "Unknown role input",
				"The role %q (source %q) declares no variable named %q, so it takes no such input.%s", r.Name, r.Source, a.Name, suggest.DidYouMean(a.Name, s.variableNames()))
		}
	}
	var missing []string
	for _, v := range s.vars {
		if slices.ContainsFunc(r.Inputs, func(a *hcl.Attribute) bool { return a.Name == v.Name }) {
			continue
		}
		if v.Default == nil {
			missing = append(missing, v.Name)
			continue
		}
		l.assignExpr(v, v.Default.Expr, valueSource{what: "its default", rng: v.Default.Expr.Range().Ptr()}, &hcl.EvalContext{Functions: l.p.funcs})
		l.markSensitive(v)
	}
	if len(missing) > 0 {
		l.errorf(r.Decl.Ptr(), "Missing role input",
			"The role %q (source %q) needs a value for %s, which have no default: set them in the role block, as in %s = ....", r.Name, r.Source, strings.Join(missing, ", "), missing[0])
	}
}

// markSensitive marks the value of a sensitive variable and records its
// strings as secrets.
func (l *loader) markSensitive(v *variable) {
	if v.sensitive {
		l.p.secrets.Add(lang.StringsIn(v.value, nil)...)
		v.value = lang.MarkSensitive(v.value)
	}
}

// inputSource says where the value of a role's variable comes from.
func inputSource(r *role, a *hcl.Attribute) valueSource {
	return valueSource{what: "the input " + a.Name + " of " + r.path, rng: a.Expr.Range().Ptr()}
}

// validateRoleVariables runs the validation rules of the variables of
// every role.
func (l *loader) validateRoleVariables() {
	l.p.root.walk(func(s *scope) {
		if s.role != nil {
			l.validateVariables(s)
		}
	})
}

// nameList returns the name of each item, in their order.
func nameList[T any](items []T, name func(T) string) []string {
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = name(it)
	}
	return names
}

// variableNames returns the names of the variables of s, sorted.
func (s *scope) variableNames() []string {
	return nameList(s.vars, func(v *variable) string { return v.Name })
}

// localNames returns the names of the local values of s, sorted.
func (s *scope) localNames() []string {
	return nameList(s.locals, func(lv *localValue) string { return lv.Name })
}

// taskNames returns the names of the tasks of s, sorted.
func (s *scope) taskNames() []string {
	return nameList(s.tasks, func(t *task) string { return t.Name })
}

// roleNames returns the names of the roles of s, sorted.
func (s *scope) roleNames() []string {
	return nameList(s.roles, func(r *role) string { return r.Name })
}

// outputNames returns the names of the outputs of s, sorted.
func (s *scope) outputNames() []string {
	return nameList(s.outputs, func(o *output) string { return o.Name })
}

// evalRoles evaluates the meta-arguments of every role, parents first:
// the hosts its tasks without on run on, and its tags.
func (l *loader) evalRoles() {
	l.p.root.walk(func(s *scope) {
		r := s.role
		if r == nil {
			return
		}
		outer := r.parent.role
		switch a := r.Meta["on"]; {
		case a != nil:
			var known bool
			r.hosts, known = l.onHosts(r.parent, a, fmt.Sprintf("role %q", r.Name))
			r.hostsUnknown = !known
		case outer != nil:
			r.hosts, r.hostsUnknown = outer.hosts, outer.hostsUnknown
		default:
			r.hosts = []*Host{l.p.hostIdx[config.LocalHost]}
		}
		l.evalRoleBatch(r)
		r.tags = l.tagList(r.parent, r.Meta["tags"])
		if outer != nil {
			r.tags = append(r.tags, outer.tags...)
		}
	})
}

// checkOutputs checks the references of every output and keeps those to
// tasks and to the outputs of roles, which the instances that read the
// output depend on.
func (l *loader) checkOutputs() {
	l.p.root.walk(func(s *scope) {
		for _, o := range s.outputs {
			for _, r := range l.references(s, o.Value.Expr, lang.ScopeOutput) {
				switch r.Kind {
				case lang.RefTask:
					o.refs = append(o.refs, r)
				case lang.RefRole:
					o.outs = appendOutput(o.outs, s, r)
				}
			}
		}
	})
}

// appendOutput appends to outs the output r, role.NAME.OUTPUT written in
// s, unless outs holds it or the role's source could not be read.
func appendOutput(outs []*output, s *scope, r lang.Reference) []*output {
	o := s.roleIdx[r.Name].scope.outputIdx[r.Attr]
	if o == nil || slices.Contains(outs, o) {
		return outs
	}
	return append(outs, o)
}

// closure returns outs and every output they read, directly or not,
// each once.
func closure(outs []*output) []*output {
	var all []*output
	var visit func([]*output)
	visit = func(list []*output) {
		for _, o := range list {
			if !slices.Contains(all, o) {
				all = append(all, o)
				visit(o.outs)
			}
		}
	}
	visit(outs)
	return all
}

package compile

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/internal/suggest"
	"github.com/zclconf/go-cty/cty"
)

// defaultDelay is the pause between attempts of a task that sets retries
// but no delay.
const defaultDelay = 5 * time.Second

// maxRetries bounds the retries meta-argument.
const maxRetries = 10000

// minPoll is the shortest poll a detached task may ask for.
const minPoll = 100 * time.Millisecond

// maxOutputLimit bounds the output_limit meta-argument: 1 TiB.
const maxOutputLimit = 1 << 40

// expandTasks checks the references of every task, evaluates on to find
// its hosts, and makes one instance per host with its peers and the
// meta-arguments that are known when the playbook loads.
func (l *loader) expandTasks() {
	for _, t := range l.p.tasks {
		before := len(l.diags)
		l.taskReferences(t)
		l.dependsOn(t)
		l.onChange(t)
		l.evalTags(t)
		l.evalThrottle(t)
		l.evalTaskBatch(t)
		t.hosts = l.evalOn(t)
		t.broken = t.broken || len(l.diags) > before
		t.byHost = map[string][]*Instance{}
		var collect instanceDiags
		for _, h := range t.hosts {
			each := []cty.Value{cty.NilVal}
			if t.keyed() && !t.broken {
				var diags hcl.Diagnostics
				each, diags = l.evalForEach(t, h)
				collect.add(&Instance{task: t, host: h}, diags...)
			}
			for _, e := range each {
				inst := &Instance{task: t, host: h, delay: defaultDelay, each: e}
				if e != cty.NilVal {
					inst.key = e.GetAttr("key").AsString()
				}
				t.insts = append(t.insts, inst)
				t.byHost[h.cfg.Name] = append(t.byHost[h.cfg.Name], inst)
			}
		}
		var meta instanceDiags
		for _, inst := range t.insts {
			if t.schema != nil && !t.broken {
				collect.add(inst, l.evalPeers(inst)...)
			}
			if t.Meta.SetsAny(config.MetaLoad, config.MetaConfirm) {
				meta.add(inst, l.evalInstanceMeta(inst)...)
			}
		}
		if diags := collect.flush(); len(diags) > 0 {
			l.diags = append(l.diags, diags...)
			t.broken = true
		}
		// A bad meta-argument leaves the module's arguments to be
		// checked: they do not depend on it, and a variable that both
		// take is then reported at each place that takes it.
		l.diags = append(l.diags, meta.flush()...)
	}
}

// evalTags evaluates tags, a list of names that --tags and --skip-tags
// select the task by; it may refer to variables and local values. A task
// has the tags of its roles as well.
func (l *loader) evalTags(t *task) {
	t.tags = l.tagList(t.scope, t.Meta.Get("tags"))
	if r := t.scope.role; r != nil {
		t.tags = append(t.tags, r.tags...)
	}
	slices.Sort(t.tags)
	t.tags = slices.Compact(t.tags)
}

// tagList evaluates a, the tags of a task or a role written in s.
func (l *loader) tagList(s *scope, a *hcl.Attribute) []string {
	v, ok := l.evalMeta(s, a)
	if !ok {
		return nil
	}
	list, err := lang.ConvertPlain(v, cty.Set(cty.String))
	switch {
	case v.ContainsMarked():
		l.diags = append(l.diags, metaDiag(a, "tags cannot be sensitive: they select tasks by name on the command line."))
		return nil
	case err != nil || v.IsNull():
		l.diags = append(l.diags, metaDiag(a, "tags must be a list of names, such as [\"db\", \"config\"]."))
		return nil
	}
	var tags []string
	for it := list.ElementIterator(); it.Next(); {
		_, tag := it.Element()
		if tag.IsNull() || !config.ValidIdentifier(tag.AsString()) {
			l.diags = append(l.diags, metaDiag(a, "tags must be names: a letter or an underscore, then letters, digits, underscores and dashes; %s is not.", renderValue(tag)))
			return nil
		}
		tags = append(tags, tag.AsString())
	}
	return tags
}

// evalMeta evaluates a, a meta-argument written in s that is evaluated
// once per task or role, with variables and local values (tags,
// throttle, batch, max_failures). It reports false when a is nil, or its
// value is not known (an error, reported, or a missing variable).
func (l *loader) evalMeta(s *scope, a *hcl.Attribute) (cty.Value, bool) {
	if a == nil {
		return cty.NilVal, false
	}
	sc := lang.ScopeTask
	sc.Where = a.Name
	before := len(l.diags)
	if l.references(s, a.Expr, sc); len(l.diags) > before {
		return cty.NilVal, false
	}
	v, diags := lang.Eval(a.Expr, s.base)
	l.diags = append(l.diags, diags...)
	return v, !diags.HasErrors() && v.IsWhollyKnown()
}

// evalThrottle evaluates throttle, the most instances of the task that
// run at once, across hosts; it may refer to variables and local values.
func (l *loader) evalThrottle(t *task) {
	a := t.Meta.Get("throttle")
	v, ok := l.evalMeta(t.scope, a)
	if !ok {
		return
	}
	n, err := lang.ConvertPlain(v, cty.Number)
	if err == nil && !n.IsNull() {
		if i, acc := n.AsBigFloat().Int64(); acc == big.Exact && i >= 1 && i <= maxThrottle {
			t.throttle = int(i)
			return
		}
	}
	l.diags = append(l.diags, metaDiag(a, "throttle must be a whole number from 1 to %d: the most instances of the task that run at once, across hosts.", maxThrottle))
}

// maxThrottle bounds the throttle meta-argument.
const maxThrottle = 1 << 20

// maxKeys bounds the keys for_each gives a task on one host.
const maxKeys = 10000

// evalForEach evaluates the for_each of t on host h and returns the value
// of each for every key, sorted by key. It is known when the playbook
// loads: the instances it makes are nodes of the graph, which plan,
// --limit, the journal and --force-rerun name before anything runs.
func (l *loader) evalForEach(t *task, h *Host) ([]cty.Value, hcl.Diagnostics) {
	a := t.Meta.Get("for_each")
	v, diags := lang.Eval(a.Expr, l.p.instanceContext(&Instance{task: t, host: h}, nil, cty.NilVal))
	switch {
	case diags.HasErrors():
		return nil, diags
	case v.ContainsMarked():
		return nil, append(diags, metaDiag(a, "for_each cannot be sensitive: its keys name instances in plans, events and the journal."))
	case !v.IsWhollyKnown():
		t.onUnknown = true // a missing variable, reported before
		return nil, diags
	case v.IsNull():
		return nil, append(diags, metaDiag(a, "for_each must be a map or a set of strings, not null."))
	}
	ty := v.Type()
	var keys []string
	values := map[string]cty.Value{}
	switch {
	case ty.IsMapType() || ty.IsObjectType():
		for k, val := range v.AsValueMap() {
			keys = append(keys, k)
			values[k] = val
		}
	case ty.IsSetType() && ty.ElementType() == cty.String:
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() {
				return nil, append(diags, metaDiag(a, "for_each holds a null; every item of a set must be a string."))
			}
			keys = append(keys, e.AsString())
			values[e.AsString()] = e
		}
	case ty.IsListType() || ty.IsTupleType():
		return nil, append(diags, metaDiag(a, "for_each takes a map or a set of strings, not a list: the key of an item would be its position, which shifts when an item is added or removed. Convert it with toset(), as in for_each = toset(var.users)."))
	default:
		return nil, append(diags, metaDiag(a, "for_each must be a map or a set of strings; it is %s.", lang.TypeName(ty)))
	}
	if len(keys) > maxKeys {
		return nil, append(diags, metaDiag(a, "for_each gives %d keys on host %s; at most %d are allowed.", len(keys), h.cfg.Name, maxKeys))
	}
	slices.Sort(keys)
	each := make([]cty.Value, len(keys))
	for i, k := range keys {
		if k == "" || k == "on" || strings.ContainsAny(k, "[]@") {
			return nil, append(diags, metaDiag(a, "for_each gives the key %q, which cannot name an instance: a key is not empty, not \"on\", and holds no \"[\", \"]\" or \"@\".", k))
		}
		each[i] = cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(k), "value": values[k]})
	}
	return each, diags
}

// taskReferences checks the references of a task's expressions and keeps
// those to other tasks, which become edges of the graph.
func (l *loader) taskReferences(t *task) {
	m := t.Meta
	keep := func(a *hcl.Attribute, sc lang.Scope) {
		if a == nil {
			return
		}
		for _, r := range l.ownTaskRefs(t, a.Name, l.references(t.scope, a.Expr, sc), sc.Allows(lang.RefResult)) {
			switch {
			case r.Kind == lang.RefRole:
				t.outs = appendOutput(t.outs, t.scope, r)
				t.confirmLater = t.confirmLater || a == m.Get("confirm")
			case r.Kind == lang.RefTask:
				t.refs = append(t.refs, r)
				t.confirmLater = t.confirmLater || a == m.Get("confirm")
			case r.Kind == lang.RefResult:
				l.checkResult(t, r)
			case r.Kind == lang.RefEach:
				l.checkEach(t, r)
			}
		}
	}
	for _, a := range t.Attrs {
		keep(a, lang.ScopeBody)
	}
	for _, ma := range config.MetaArgs {
		if a := m.Get(ma.Name); a != nil && ma.Refs != nil {
			sc := *ma.Refs
			sc.Where = a.Name
			keep(a, sc)
		}
	}
	if a := m.Get("for_each"); a != nil {
		l.references(t.scope, a.Expr, lang.ScopeForEach)
	}
}

// ownTaskRefs reports, and leaves out, references a task makes to itself
// in the attribute called attr; withResult says that result is there.
func (l *loader) ownTaskRefs(t *task, attr string, refs []lang.Reference, withResult bool) []lang.Reference {
	return slices.DeleteFunc(refs, func(r lang.Reference) bool {
		if r.Kind != lang.RefTask || r.Name != t.Name {
			return false
		}
		detail := fmt.Sprintf("Task %q cannot refer to its own outputs: they do not exist until it has run.", t.Name)
		if withResult {
			detail += fmt.Sprintf(" In %s, the outputs of the attempt that just ended are result.OUTPUT, such as result.%s.", attr, cmpOr(r.Attr, "OUTPUT"))
		}
		l.errorf(r.Range().Ptr(), "Self-referencing task", "%s", detail)
		return true
	})
}

// cmpOr returns a, or b when a is empty.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkEach checks a reference to each: only a task with for_each has
// it, and it has only key and value.
func (l *loader) checkEach(t *task, r lang.Reference) {
	switch {
	case !t.keyed():
		l.errorf(r.Range().Ptr(), "Invalid reference", "each exists only in a task with for_each; task %q has none.", t.Name)
	case r.Attr != "" && r.Attr != "key" && r.Attr != "value":
		l.errorf(r.AttrRange().Ptr(), "Unsupported attribute", "each has the attributes key and value, not %q.%s", r.Attr, suggest.DidYouMean(r.Attr, []string{"key", "value"}))
	}
}

// checkResult checks a result reference in a condition over result against the outputs of
// the task's own module.
func (l *loader) checkResult(t *task, r lang.Reference) {
	if r.Attr == "" {
		return
	}
	if d := checkOutput(t, r.Attr, r.AttrRange()); d != nil {
		l.diags = append(l.diags, d)
	}
}

// dependsOn reads depends_on: a list of task.NAME (the instance on the
// same host when the task runs there, else every instance), task.NAME.on
// (every instance), task.NAME.on.HOST (one instance) or role.NAME (every
// task of the role: see linkRole).
func (l *loader) dependsOn(t *task) {
	refs, roles := l.taskList(t, t.Meta.Get("depends_on"), func(r lang.Reference) bool { return r.Attr == "" }, true,
		"depends_on is a list of tasks and roles, such as [task.build] (the instance of build on the same host, or every instance when build does not run there), [task.build.on] (every instance), [task.build.on.web] (the instance on host web) or [role.web] (every task of role web, on the same host when the role runs there).")
	for _, r := range refs {
		r.SameHost = r.Bare
		t.after = append(t.after, r)
	}
	t.afterRoles = roles
}

// onChange reads on_change: a list of task.NAME, each the instance of
// NAME on the same host, which the task waits for and runs after only
// when one of them changed something.
func (l *loader) onChange(t *task) {
	refs, _ := l.taskList(t, t.Meta.Get("on_change"), func(r lang.Reference) bool { return r.Bare || r.HasKey && r.Host == "" && r.Attr == "" }, false,
		"on_change is a list of tasks that run on the same host, such as [task.config, task.unit] (or task.users[\"KEY\"], one instance of a task with for_each): the task runs on a host only when one of their instances there changed something.")
	for _, r := range refs {
		r.AllHosts = false // the instance on the same host, which must exist
		t.watch = append(t.watch, r)
	}
}

// roleDep is a role that depends_on names, and where.
type roleDep struct {
	role *role
	rng  hcl.Range
}

// taskList reads a, a list of references to other tasks that ok accepts
// (depends_on, on_change), and, when roles is set, to roles of the task's
// scope by name alone; usage says what the list holds when an item is not
// one.
func (l *loader) taskList(t *task, a *hcl.Attribute, ok func(lang.Reference) bool, roles bool, usage string) ([]lang.Reference, []roleDep) {
	if a == nil {
		return nil, nil
	}
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() { // not a list in brackets, such as task.conf alone
		l.errorf(a.Expr.Range().Ptr(), "Invalid "+a.Name, "%s", usage)
		return nil, nil
	}
	var refs []lang.Reference
	var deps []roleDep
	for _, e := range exprs {
		trav, diags := hcl.AbsTraversalForExpr(e)
		var r lang.Reference
		var d *hcl.Diagnostic
		if !diags.HasErrors() {
			r, d = lang.ParseReference(trav)
		}
		switch {
		case roles && !diags.HasErrors() && r.Kind == lang.RefRole && len(trav) == 2 && r.Name != "":
			if rd, ok := l.roleDep(t, r, e.Range()); ok {
				deps = append(deps, rd)
			}
			continue
		case !diags.HasErrors() && d == nil && r.Kind == lang.RefRole:
			l.errorf(e.Range().Ptr(), "Invalid "+a.Name, "%s names tasks, not the outputs of roles: %s", a.Name, usage)
			continue
		case diags.HasErrors() || d != nil || r.Kind != lang.RefTask || !ok(r):
			l.errorf(e.Range().Ptr(), "Invalid "+a.Name, "%s", usage)
			continue
		}
		if r.Name == t.Name {
			l.errorf(e.Range().Ptr(), "Self-referencing task", "Task %q cannot wait for itself in %s.", t.Name, a.Name)
			continue
		}
		if d := l.p.checkExists(t.scope, r); d != nil {
			l.diags = append(l.diags, d)
			continue
		}
		refs = append(refs, r)
	}
	return refs, deps
}

// roleDep resolves role.NAME in the depends_on of t, at rng.
func (l *loader) roleDep(t *task, r lang.Reference, rng hcl.Range) (roleDep, bool) {
	target := t.scope.roleIdx[r.Name]
	if target == nil {
		names := make([]string, len(t.scope.roles))
		for i, ro := range t.scope.roles {
			names[i] = ro.Name
		}
		l.errorf(rng.Ptr(), "Reference to undeclared role", "depends_on names role %q, which is not declared here.%s", r.Name, suggest.DidYouMean(r.Name, names))
		return roleDep{}, false
	}
	return roleDep{role: target, rng: rng}, true
}

// evalOn evaluates on, which names the hosts a task runs on: a host
// (host.NAME), a group (group.NAME), a host name, or a list of these. A
// task without on runs on the hosts of its role, or on the local host.
func (l *loader) evalOn(t *task) []*Host {
	a := t.Meta.Get("on")
	if a == nil {
		if r := t.scope.role; r != nil {
			t.onUnknown = r.hostsUnknown
			return r.hosts
		}
		return []*Host{l.p.hostIdx[config.LocalHost]}
	}
	hosts, ok := l.onHosts(t.scope, a, fmt.Sprintf("task %q", t.Name))
	t.onUnknown = !ok
	return hosts
}

// onHosts evaluates a, the on of a task or a role (what) written in s.
// It reports false when the hosts are not known for a missing variable;
// after an error, which it reports, it returns no host.
func (l *loader) onHosts(s *scope, a *hcl.Attribute, what string) ([]*Host, bool) {
	p := l.p
	expr := a.Expr
	before := len(l.diags)
	l.references(s, expr, lang.ScopeOn)
	if len(l.diags) > before {
		return nil, true
	}
	var names []string
	if h := p.plainHostRef(expr); h != nil {
		names = append(names, h.cfg.Name)
	} else if known, ok := l.onNames(s, expr, &names); !ok {
		return nil, known
	}
	slices.Sort(names)
	var hosts []*Host
	for _, name := range slices.Compact(names) {
		h := p.hostIdx[name]
		switch {
		case h == nil && p.groups[name] != nil:
			l.errorf(expr.Range().Ptr(), "Reference to undeclared host", "on names the host %q, which is not declared; %q is a group: write on = group.%s.", name, name, name)
			return nil, true
		case h == nil:
			l.errorf(expr.Range().Ptr(), "Reference to undeclared host", "on names the host %q, which is not declared.%s", name, suggest.DidYouMean(name, p.hostNames()))
			return nil, true
		}
		hosts = append(hosts, h)
	}
	if len(hosts) == 0 {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Task runs nowhere",
			Detail:   fmt.Sprintf("on names no host, so %s has no instance.", what),
			Subject:  expr.Range().Ptr(),
		})
	}
	return hosts, true
}

// plainHostRef returns the host that expr names when it is a plain
// host.NAME whose host object is known: on can take it without being
// evaluated, which saves much of the work of loading a large playbook.
func (p *Program) plainHostRef(expr hcl.Expression) *Host {
	te, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(te.Traversal) != 2 || te.Traversal.RootName() != "host" {
		return nil
	}
	name, ok := lang.StepName(te.Traversal[1])
	if h := p.hostIdx[name]; ok && h != nil && h.obj.IsKnown() {
		return h
	}
	return nil
}

// onNames evaluates on, written in s, and appends the host names it
// gives. It reports ok false when they cannot be known, with known false
// when that is for a missing variable or an error reported before.
func (l *loader) onNames(s *scope, expr hcl.Expression, names *[]string) (known, ok bool) {
	v, diags := lang.Eval(expr, s.base)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return true, false
	}
	switch err := hostNamesIn(v, names, 0); {
	case errors.Is(err, errUnknownOn):
		return false, false
	case errors.Is(err, errSensitiveOn):
		l.errorf(expr.Range().Ptr(), "Invalid on", "on cannot be sensitive: host names are shown in plans and events.")
		return true, false
	case err != nil:
		l.errorf(expr.Range().Ptr(), "Invalid on", "on must be a host (host.NAME), a group (group.NAME), a host name, or a list of these; %s.", err)
		return true, false
	}
	return true, true
}

// Errors of hostNamesIn that callers tell apart.
var (
	errUnknownOn   = errors.New("unknown")
	errSensitiveOn = errors.New("sensitive")
)

// hostNamesIn appends the host names that a value of on names. It looks
// only at what names hosts, so the other attributes of host objects may be
// anything.
func hostNamesIn(v cty.Value, names *[]string, depth int) error {
	switch {
	case depth > 3:
		return errors.New("the lists nest too deep")
	case v.IsMarked():
		return errSensitiveOn
	case !v.IsKnown():
		return errUnknownOn
	case v.IsNull():
		return errors.New("it is null")
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		*names = append(*names, v.AsString())
	case lang.IsHostObject(ty):
		return hostNamesIn(v.GetAttr("name"), names, depth)
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if err := hostNamesIn(e, names, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("it is %s", lang.TypeName(ty))
	}
	return nil
}

// evalInstanceMeta evaluates the meta-arguments of an instance that are
// known when the playbook loads: retries, delay, timeout, output_limit,
// ignore_errors, sudo, sudo_user, detach, poll, and confirm unless it refers to task outputs. They
// may refer to self.
func (l *loader) evalInstanceMeta(inst *Instance) hcl.Diagnostics {
	m := inst.task.Meta
	ctx := l.p.instanceContext(inst, nil, cty.NilVal)
	var diags hcl.Diagnostics
	eval := func(a *hcl.Attribute, ty cty.Type) (cty.Value, bool) {
		if a == nil {
			return cty.NilVal, false
		}
		v, ds := lang.Eval(a.Expr, ctx)
		diags = append(diags, ds...)
		if ds.HasErrors() || !v.IsWhollyKnown() {
			return cty.NilVal, false
		}
		if v.IsNull() {
			diags = append(diags, metaDiag(a, "%s must not be null.", a.Name))
			return cty.NilVal, false
		}
		cv, err := lang.ConvertPlain(v, ty)
		if err != nil {
			diags = append(diags, metaDiag(a, "%s must be a %s: %s.", a.Name, ty.FriendlyName(), lang.ConvertMessage(err)))
			return cty.NilVal, false
		}
		return cv, true
	}
	if v, ok := eval(m.Get("retries"), cty.Number); ok {
		n, acc := v.AsBigFloat().Int64()
		if acc != big.Exact || n < 0 || n > maxRetries {
			diags = append(diags, metaDiag(m.Get("retries"), "retries must be a whole number from 0 to %d.", maxRetries))
		}
		inst.retries = int(n)
	}
	for _, d := range []struct {
		a   *hcl.Attribute
		dst *time.Duration
	}{{m.Get("delay"), &inst.delay}, {m.Get("timeout"), &inst.timeout}, {m.Get("poll"), &inst.poll}} {
		if v, ok := eval(d.a, cty.String); ok {
			dur, err := module.ParseDuration(v.AsString())
			if err != nil {
				diags = append(diags, metaDiag(d.a, "Task %s: %s must be a duration such as \"30s\", \"5m\" or \"1h30m\", not %q.", inst.task.Name, d.a.Name, v.AsString()))
			}
			*d.dst = dur
		}
	}
	if v, ok := eval(m.Get("output_limit"), cty.Number); ok {
		n, acc := v.AsBigFloat().Int64()
		if acc != big.Exact || n < 1 || n > maxOutputLimit {
			diags = append(diags, metaDiag(m.Get("output_limit"), "output_limit must be a whole number of bytes from 1 to %d (1 TiB).", maxOutputLimit))
		}
		inst.outputLimit = int(n)
	}
	if v, ok := eval(m.Get("ignore_errors"), cty.Bool); ok {
		inst.ignoreErrors = v.True()
	}
	if v, ok := eval(m.Get("sudo"), cty.Bool); ok {
		inst.sudo = v.True()
	}
	if v, ok := eval(m.Get("sudo_user"), cty.String); ok {
		a := m.Get("sudo_user")
		switch {
		case !validUser(v.AsString()):
			diags = append(diags, metaDiag(a, "sudo_user must be a user name: a lower-case letter or an underscore, then lower-case letters, digits, underscores, dots and dashes; %q is not.", v.AsString()))
		case m.Get("sudo") != nil && !inst.sudo:
			diags = append(diags, metaDiag(a, "sudo_user runs the task's commands through sudo, which sudo = false refuses: drop one of them."))
		default:
			inst.sudo, inst.sudoUser = true, v.AsString()
		}
	}
	if v, ok := eval(m.Get("detach"), cty.Bool); ok {
		inst.detach = v.True()
	}
	diags = append(diags, inst.checkDetach()...)
	if m.Get("confirm") != nil && !inst.task.confirmLater {
		sentence, ds := confirmSentence(m.Get("confirm"), ctx)
		diags = append(diags, ds...)
		inst.confirm = sentence
	}
	return diags
}

// checkDetach checks detach and poll: only a module that can run its
// work as a job may be detached, and poll applies to a detached task.
func (inst *Instance) checkDetach() hcl.Diagnostics {
	m := inst.task.Meta
	if inst.task.info.New == nil {
		return nil // an unknown module, reported already
	}
	_, can := inst.task.info.New().(module.Detachable)
	switch {
	case inst.detach && !can:
		return hcl.Diagnostics{metaDiag(m.Get("detach"), "module %s cannot run its work as a detached job; detach applies to command, shell and the modules that say they can.", inst.task.Module)}
	case m.Get("poll") != nil && !inst.detach:
		return hcl.Diagnostics{metaDiag(m.Get("poll"), "poll is how often a detached task is polled; it needs detach = true.")}
	case m.Get("poll") != nil && inst.poll < minPoll:
		return hcl.Diagnostics{metaDiag(m.Get("poll"), "poll must be at least %s.", minPoll)}
	}
	return nil
}

// validUser reports whether name is a portable user name, which sudo -u
// takes as it is.
func validUser(name string) bool {
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.')) {
			return false
		}
	}
	return name != "" && len(name) <= 32
}

// confirmSentence evaluates confirm in ctx: the sentence to ask, or empty
// when the value is null or blank (no question). An unknown value gives
// an empty sentence and no error.
func confirmSentence(a *hcl.Attribute, ctx *hcl.EvalContext) (string, hcl.Diagnostics) {
	v, diags := lang.Eval(a.Expr, ctx)
	switch {
	case diags.HasErrors():
		return "", diags
	case v.ContainsMarked():
		return "", append(diags, metaDiag(a, "confirm is shown to whoever runs the playbook, so it cannot include a sensitive value."))
	case !v.IsWhollyKnown() || v.IsNull():
		return "", diags
	}
	s, err := lang.ConvertPlain(v, cty.String)
	if err != nil {
		return "", append(diags, metaDiag(a, "confirm must be a string or null: %s.", lang.ConvertMessage(err)))
	}
	return strings.TrimSpace(s.AsString()), diags
}

// metaDiag returns an error diagnostic about a meta-argument.
func metaDiag(a *hcl.Attribute, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + a.Name,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  a.Expr.Range().Ptr(),
	}
}

// instanceDiags gathers the diagnostics of the instances of one task and
// reports each once, naming the hosts it concerns when it does not
// concern them all.
type instanceDiags struct {
	groups []*instanceDiagGroup
	byKey  map[string]*instanceDiagGroup
}

type instanceDiagGroup struct {
	diag  *hcl.Diagnostic
	task  *task
	hosts []string
}

// add records diags found for inst.
func (c *instanceDiags) add(inst *Instance, diags ...*hcl.Diagnostic) {
	if c.byKey == nil {
		c.byKey = map[string]*instanceDiagGroup{}
	}
	for _, d := range diags {
		key := fmt.Sprintf("%d\x00%s\x00%s\x00%v", d.Severity, d.Summary, d.Detail, d.Subject)
		g := c.byKey[key]
		if g == nil {
			g = &instanceDiagGroup{diag: d, task: inst.task}
			c.byKey[key] = g
			c.groups = append(c.groups, g)
		}
		if !slices.Contains(g.hosts, inst.host.cfg.Name) {
			g.hosts = append(g.hosts, inst.host.cfg.Name)
		}
	}
}

// flush returns the gathered diagnostics.
func (c *instanceDiags) flush() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, g := range c.groups {
		if n := len(g.task.hosts); n > 1 && len(g.hosts) < n {
			word := "host"
			if len(g.hosts) > 1 {
				word = "hosts"
			}
			g.diag.Detail += fmt.Sprintf(" (task %s on %s %s)", g.task.Name, word, strings.Join(g.hosts, ", "))
		}
		diags = append(diags, g.diag)
	}
	return diags
}

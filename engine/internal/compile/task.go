package compile

import (
	"fmt"
	"slices"

	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/module"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/internal/suggest"
)

// metaArg is one meta-argument of a task, a row of metaArgs.
type metaArg struct {
	name string
	// slot returns where a task keeps the attribute.
	slot func(*taskMeta) **hcl.Attribute
	// refs is what its expression may refer to, or nil for on and
	// depends_on, whose references the loader reads itself (see
	// taskReferences).
	refs *lang.Scope
	// check says how it is checked against each instance when the
	// playbook loads (see checkInstance).
	check metaCheck
}

// metaCheck says how typecheck checks a meta-argument.
type metaCheck int

const (
	// checkedElsewhere: evaluated at load (evalInstanceMeta) or read by
	// the loader.
	checkedElsewhere metaCheck = iota
	// checkedCondition: a bool over what a module argument sees (when).
	checkedCondition
	// checkedResultCondition: a bool over the outputs of the attempt that
	// just ended as well, as result (until, changed_when).
	checkedResultCondition
	// checkedConfirm: the confirm sentence, when it reads task outputs.
	checkedConfirm
)

// metaArgs are the meta-arguments of a task, in the order the language
// reference lists them. They are split off the task body before the rest
// is checked against the module's schema, so a module argument with one of
// these names can never be set. A new meta-argument is a field of
// taskMeta, a row here, and the place where the engine uses its value.
var metaArgs = []metaArg{
	{"on", func(m *taskMeta) **hcl.Attribute { return &m.on }, nil, checkedElsewhere},
	{"depends_on", func(m *taskMeta) **hcl.Attribute { return &m.dependsOn }, nil, checkedElsewhere},
	{"when", func(m *taskMeta) **hcl.Attribute { return &m.when }, &lang.ScopeBody, checkedCondition},
	{"retries", func(m *taskMeta) **hcl.Attribute { return &m.retries }, &lang.ScopeMeta, checkedElsewhere},
	{"delay", func(m *taskMeta) **hcl.Attribute { return &m.delay }, &lang.ScopeMeta, checkedElsewhere},
	{"until", func(m *taskMeta) **hcl.Attribute { return &m.until }, &lang.ScopeResult, checkedResultCondition},
	{"changed_when", func(m *taskMeta) **hcl.Attribute { return &m.changedWhen }, &lang.ScopeResult, checkedResultCondition},
	{"timeout", func(m *taskMeta) **hcl.Attribute { return &m.timeout }, &lang.ScopeMeta, checkedElsewhere},
	{"output_limit", func(m *taskMeta) **hcl.Attribute { return &m.outputLimit }, &lang.ScopeMeta, checkedElsewhere},
	{"ignore_errors", func(m *taskMeta) **hcl.Attribute { return &m.ignoreErrors }, &lang.ScopeMeta, checkedElsewhere},
	{"sudo", func(m *taskMeta) **hcl.Attribute { return &m.sudo }, &lang.ScopeMeta, checkedElsewhere},
	{"confirm", func(m *taskMeta) **hcl.Attribute { return &m.confirm }, &lang.ScopeBody, checkedConfirm},
}

// metaArgNames returns the names of the meta-arguments, in table order.
func metaArgNames() []string {
	names := make([]string, len(metaArgs))
	for i, ma := range metaArgs {
		names[i] = ma.name
	}
	return names
}

// resultMetaNames returns the names of the meta-arguments whose
// expressions may read result, in table order.
func resultMetaNames() []string {
	var names []string
	for _, ma := range metaArgs {
		if ma.check == checkedResultCondition {
			names = append(names, ma.name)
		}
	}
	return names
}

// slot returns where the meta-argument called name is kept, or nil when
// name is not a meta-argument.
func (m *taskMeta) slot(name string) **hcl.Attribute {
	for _, ma := range metaArgs {
		if ma.name == name {
			return ma.slot(m)
		}
	}
	return nil
}

// decodeTaskBlock decodes a task block: its module, its meta-arguments and
// its module body, which is checked against the module's schema here and
// evaluated only later.
func (l *loader) decodeTaskBlock(b *hcl.Block) {
	module, name := b.Labels[0], b.Labels[1]
	if !l.validName("task", name, b.LabelRanges[1]) || !l.declare("task", name, b.LabelRanges[1]) {
		return
	}
	t := &task{name: name, module: module, decl: b.DefRange, moduleRange: b.LabelRanges[0]}
	l.p.tasks = append(l.p.tasks, t)
	l.p.taskIdx[name] = t
	attrs, diags := b.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	for _, a := range sortedAttrs(attrs) {
		if slot := t.meta.slot(a.Name); slot != nil {
			*slot = a
		} else {
			t.attrs = append(t.attrs, a)
		}
	}
	if !l.lookupModule(t) {
		t.broken = true
		return
	}
	l.checkBody(t, b.Body)
}

// lookupModule finds the task's module and its schema.
func (l *loader) lookupModule(t *task) bool {
	info, ok := module.Lookup(t.module)
	if !ok {
		var names []string
		for _, m := range module.All() {
			names = append(names, m.Name)
		}
		l.errorf(t.moduleRange.Ptr(), "Unknown module", "There is no module named %q.%s The modules are listed by \"runbook modules\".", t.module, suggest.DidYouMean(t.module, names))
		return false
	}
	schema, err := schemaOf(info)
	if err != nil {
		l.errorf(t.moduleRange.Ptr(), "Unusable module", "%s", err)
		return false
	}
	t.info, t.schema = info, schema
	return true
}

// checkBody checks the module body of a task against the module's schema:
// every argument known, every required argument present.
func (l *loader) checkBody(t *task, body hcl.Body) {
	for _, a := range t.attrs {
		if t.schema.fields[a.Name] == nil {
			known := append(slices.Clone(t.schema.names), metaArgNames()...)
			slices.Sort(known)
			l.errorf(a.NameRange.Ptr(), "Unsupported argument", "Module %s has no argument named %q.%s", t.module, a.Name, suggest.DidYouMean(a.Name, known))
		}
	}
	for _, name := range t.schema.required {
		if slices.ContainsFunc(t.attrs, func(a *hcl.Attribute) bool { return a.Name == name }) {
			continue
		}
		detail := fmt.Sprintf("Module %s requires the argument %q.", t.module, name)
		if slices.Contains(metaArgNames(), name) {
			detail += fmt.Sprintf(" It cannot be given: %q is a task meta-argument.", name)
		}
		l.errorf(body.MissingItemRange().Ptr(), "Missing required argument", "%s", detail)
	}
}

package engine

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/internal/suggest"
)

// metaArgs are the meta-arguments of a task, in the order the language
// reference lists them. They are split off the task body before the rest
// is checked against the module's schema, so a module argument with one of
// these names can never be set.
var metaArgs = []string{"on", "depends_on", "when", "retries", "delay", "until", "timeout", "output_limit", "ignore_errors", "sudo", "confirm"}

// slot returns where the meta-argument called name is kept, or nil when
// name is not a meta-argument.
func (m *taskMeta) slot(name string) **hcl.Attribute {
	switch name {
	case "on":
		return &m.on
	case "depends_on":
		return &m.dependsOn
	case "when":
		return &m.when
	case "retries":
		return &m.retries
	case "delay":
		return &m.delay
	case "until":
		return &m.until
	case "timeout":
		return &m.timeout
	case "output_limit":
		return &m.outputLimit
	case "ignore_errors":
		return &m.ignoreErrors
	case "sudo":
		return &m.sudo
	case "confirm":
		return &m.confirm
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
	info, ok := LookupModule(t.module)
	if !ok {
		var names []string
		for _, m := range Modules() {
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
			known := append(slices.Clone(t.schema.names), metaArgs...)
			slices.Sort(known)
			l.errorf(a.NameRange.Ptr(), "Unsupported argument", "Module %s has no argument named %q.%s", t.module, a.Name, suggest.DidYouMean(a.Name, known))
		}
	}
	for _, name := range t.schema.required {
		if slices.ContainsFunc(t.attrs, func(a *hcl.Attribute) bool { return a.Name == name }) {
			continue
		}
		detail := fmt.Sprintf("Module %s requires the argument %q.", t.module, name)
		if slices.Contains(metaArgs, name) {
			detail += fmt.Sprintf(" It cannot be given: %q is a task meta-argument.", name)
		}
		l.errorf(body.MissingItemRange().Ptr(), "Missing required argument", "%s", detail)
	}
}

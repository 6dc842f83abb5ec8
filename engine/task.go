package engine

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// metaArgs are the meta-arguments of a task, in the order the language
// reference lists them. They are split off the task body before the rest
// is checked against the module's schema, so a module argument with one of
// these names can never be set.
var metaArgs = []string{"on", "depends_on", "when", "retries", "delay", "until", "timeout", "ignore_errors", "sudo", "confirm"}

// metaSchema is the schema that splits the meta-arguments off a task body.
var metaSchema = func() *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, name := range metaArgs {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: name})
	}
	return s
}()

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
	content, remain, diags := b.Body.PartialContent(metaSchema)
	l.diags = append(l.diags, diags...)
	m := &t.meta
	for name, dst := range map[string]**hcl.Attribute{
		"on": &m.on, "depends_on": &m.dependsOn, "when": &m.when, "until": &m.until, "retries": &m.retries, "delay": &m.delay,
		"timeout": &m.timeout, "ignore_errors": &m.ignoreErrors, "sudo": &m.sudo, "confirm": &m.confirm,
	} {
		*dst = content.Attributes[name]
	}
	attrs, diags := remain.JustAttributes()
	l.diags = append(l.diags, diags...)
	t.attrs = sortedAttrs(attrs)
	if !l.lookupModule(t) {
		t.broken = true
		return
	}
	l.checkBody(t, remain)
}

// lookupModule finds the task's module and its schema.
func (l *loader) lookupModule(t *task) bool {
	info, ok := LookupModule(t.module)
	if !ok {
		var names []string
		for _, m := range Modules() {
			names = append(names, m.Name)
		}
		l.errorf(t.moduleRange.Ptr(), "Unknown module", "There is no module named %q.%s The modules are listed by \"runbook modules\".", t.module, didYouMean(t.module, names))
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
	known := append(slices.Clone(t.schema.names), metaArgs...)
	slices.Sort(known)
	for _, a := range t.attrs {
		if t.schema.fields[a.Name] == nil {
			l.errorf(a.NameRange.Ptr(), "Unsupported argument", "Module %s has no argument named %q.%s", t.module, a.Name, didYouMean(a.Name, known))
		}
	}
	for _, name := range t.schema.names {
		f := t.schema.fields[name]
		if !f.required || slices.ContainsFunc(t.attrs, func(a *hcl.Attribute) bool { return a.Name == name }) {
			continue
		}
		detail := fmt.Sprintf("Module %s requires the argument %q.", t.module, name)
		if slices.Contains(metaArgs, name) {
			detail += fmt.Sprintf(" It cannot be given: %q is a task meta-argument.", name)
		}
		l.errorf(body.MissingItemRange().Ptr(), "Missing required argument", "%s", detail)
	}
}

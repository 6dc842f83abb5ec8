package compile

import (
	"fmt"
	"slices"

	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/module"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/internal/suggest"
)

// decodeTaskBlock decodes a task block: its module, its meta-arguments and
// its module body, which is checked against the module's schema here and
// evaluated only later.
func (l *loader) decodeTaskBlock(b *hcl.Block) {
	module, name := b.Labels[0], b.Labels[1]
	if !l.validName("task", name, b.LabelRanges[1]) || !l.declare("task", name, b.LabelRanges[1]) {
		return
	}
	t := &task{name: name, module: module, decl: b.DefRange, moduleRange: b.LabelRanges[0], meta: config.Meta{}}
	l.p.tasks = append(l.p.tasks, t)
	l.p.taskIdx[name] = t
	attrs, diags := b.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	for _, a := range sortedAttrs(attrs) {
		if config.IsMetaArg(a.Name) {
			t.meta[a.Name] = a
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
			known := append(slices.Clone(t.schema.names), config.MetaArgNames()...)
			slices.Sort(known)
			l.errorf(a.NameRange.Ptr(), "Unsupported argument", "Module %s has no argument named %q.%s", t.module, a.Name, suggest.DidYouMean(a.Name, known))
		}
	}
	for _, name := range t.schema.required {
		if slices.ContainsFunc(t.attrs, func(a *hcl.Attribute) bool { return a.Name == name }) {
			continue
		}
		detail := fmt.Sprintf("Module %s requires the argument %q.", t.module, name)
		if slices.Contains(config.MetaArgNames(), name) {
			detail += fmt.Sprintf(" It cannot be given: %q is a task meta-argument.", name)
		}
		l.errorf(body.MissingItemRange().Ptr(), "Missing required argument", "%s", detail)
	}
}

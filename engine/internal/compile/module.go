package compile

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/internal/suggest"
)

// lookupModule finds the task's module and its schema.
func (l *loader) lookupModule(t *task) bool {
	info, ok := module.Lookup(t.Module)
	if !ok {
		var names []string
		for _, m := range module.All() {
			names = append(names, m.Name)
		}
		l.errorf(t.ModuleRange.Ptr(), "Unknown module", "There is no module named %q.%s The modules are listed by \"runbook modules\".", t.Module, suggest.DidYouMean(t.Module, names))
		return false
	}
	schema, err := schemaOf(info)
	if err != nil {
		l.errorf(t.ModuleRange.Ptr(), "Unusable module", "%s", err)
		return false
	}
	t.info, t.schema = info, schema
	return true
}

// checkBody checks the module body of a task against the module's schema:
// every argument known, every required argument present.
func (l *loader) checkBody(t *task, body hcl.Body) {
	for _, a := range t.Attrs {
		if t.schema.fields[a.Name] == nil {
			known := append(slices.Clone(t.schema.names), config.MetaArgNames()...)
			slices.Sort(known)
			l.errorf(a.NameRange.Ptr(), "Unsupported argument", "Module %s has no argument named %q.%s", t.Module, a.Name, cmp.Or(ansibleHint(a.Name), suggest.DidYouMean(a.Name, known)))
		}
	}
	for _, name := range t.schema.required {
		if slices.ContainsFunc(t.Attrs, func(a *hcl.Attribute) bool { return a.Name == name }) {
			continue
		}
		detail := fmt.Sprintf("Module %s requires the argument %q.", t.Module, name)
		if slices.Contains(config.MetaArgNames(), name) {
			detail += fmt.Sprintf(" It cannot be given: %q is a task meta-argument.", name)
		}
		l.errorf(body.MissingItemRange().Ptr(), "Missing required argument", "%s", detail)
	}
}

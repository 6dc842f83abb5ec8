package compile

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/zclconf/go-cty/cty"
)

// validateKnown checks, when the playbook loads, what can be checked of
// the arguments of inst with the values args they have then: each known
// argument whose type is an ArgumentValidator, and the module's own rules,
// with Validate when every argument is known and with ValidateKnown (for
// a PartialValidator) when some are not.
func validateKnown(inst *Instance, args map[string]cty.Value) hcl.Diagnostics {
	t := inst.task
	m, _, unknown, diags := decodeModule(inst, args)
	if diags.HasErrors() {
		return diags
	}
	var err error
	if v, ok := m.(module.Validator); ok && len(unknown) == 0 {
		err = v.Validate()
	} else if v, ok := m.(module.PartialValidator); ok && len(unknown) > 0 {
		err = v.ValidateKnown(func(arg string) bool { return !slices.Contains(unknown, arg) })
	}
	if err != nil {
		diags = append(diags, moduleDiag(t, err))
	}
	return diags
}

// moduleDiag returns the diagnostic of an error of a module's Validate or
// ValidateKnown: at the argument it names when it is an *ArgError about an
// argument the task sets, else at the task.
func moduleDiag(t *task, err error) *hcl.Diagnostic {
	var ae *module.ArgError
	if errors.As(err, &ae) {
		for _, a := range t.Attrs {
			if a.Name == ae.Arg {
				return argDiag(t, a, ae.Err)
			}
		}
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid arguments",
		Detail:   fmt.Sprintf("Task %s (module %s): %s.", t.Name, t.Module, strings.TrimSuffix(err.Error(), ".")),
		Subject:  t.Decl.Ptr(),
	}
}

// argDiag returns the diagnostic of err, an error about the value of the
// argument a of t, at that argument.
func argDiag(t *task, a *hcl.Attribute, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid value for argument",
		Detail:   fmt.Sprintf("Task %s, argument %q (module %s): %s.", t.Name, a.Name, t.Module, strings.TrimSuffix(err.Error(), ".")),
		Subject:  a.Expr.Range().Ptr(),
	}
}

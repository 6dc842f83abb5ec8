package compile

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// A command line is public on the host: every user can read the argument
// vectors of its processes in /proc. Secrets must reach a command some
// other way.

// cmdlineWarning warns that the argument a, whose value v is given to a
// field tagged cmdline:"true", holds a sensitive value, which will show in
// the host's process list; it returns nil when v holds none.
func cmdlineWarning(t *task, a *hcl.Attribute, v cty.Value) *hcl.Diagnostic {
	if !v.ContainsMarked() {
		return nil
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Sensitive value in a command line",
		Detail: fmt.Sprintf("The argument %q of module %s, at %s, holds a sensitive value. It reaches the host as an argument of a process, which every user of the host can read in its process list while the process runs. Pass the value in env or stdin instead, or in cmd, which runbook keeps off the command line.",
			a.Name, t.Module, a.Expr.Range()),
		Subject: a.Expr.Range().Ptr(),
	}
}

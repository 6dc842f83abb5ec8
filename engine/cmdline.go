package engine

import (
	"fmt"
	"maps"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/runbookhq/runbook/engine/transport"
)

// A command line is public on the host: every user can read the argument
// vectors of its processes in /proc. Secrets must reach a command some
// other way.

// scriptEnv is the environment variable that carries to the host a script
// that holds a secret. The transport sends the environment on the
// command's standard input, never on a command line.
const scriptEnv = "RUNBOOK_SCRIPT"

// scriptRunner is the script that runs the script in scriptEnv as
// /bin/sh -c would: the shell expands the variable into eval's argument
// before eval unsets it, so that the commands of the script do not inherit
// it. When the variable did not arrive, the shell fails rather than run
// nothing.
const scriptRunner = `eval "unset ` + scriptEnv + `; ${` + scriptEnv + `:?the script did not reach the host}"`

// secretScriptOffCommandLine returns cmd with its script moved to the
// environment when the script holds a known secret, so that the host's
// process list shows scriptRunner instead. What the script then does with
// the secret, such as giving it to a program as an argument, is up to it.
func (r *runner) secretScriptOffCommandLine(cmd transport.Command) (transport.Command, error) {
	if len(cmd.Args) > 0 || cmd.Script == "" || r.secrets.Redact(cmd.Script) == cmd.Script {
		return cmd, nil
	}
	if _, taken := cmd.Env[scriptEnv]; taken {
		return cmd, fmt.Errorf("the environment variable %s is reserved: it carries a script that holds a sensitive value", scriptEnv)
	}
	env := maps.Clone(cmd.Env)
	if env == nil {
		env = map[string]string{}
	}
	env[scriptEnv] = cmd.Script
	cmd.Env, cmd.Script = env, scriptRunner
	return cmd, nil
}

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
			a.Name, t.module, a.Expr.Range()),
		Subject: a.Expr.Range().Ptr(),
	}
}

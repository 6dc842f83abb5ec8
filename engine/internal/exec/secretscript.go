package exec

import (
	"fmt"
	"maps"

	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/transport"
)

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
// environment when the script holds a secret that secrets knows, so that
// the host's process list shows scriptRunner instead. What the script then does with
// the secret, such as giving it to a program as an argument, is up to it.
func secretScriptOffCommandLine(cmd transport.Command, secrets *lang.Redactor) (transport.Command, error) {
	if len(cmd.Args) > 0 || cmd.Script == "" || secrets.Redact(cmd.Script) == cmd.Script {
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

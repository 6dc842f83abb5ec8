package modules

import (
	"context"
	"fmt"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "shell",
		Doc: "Runs a multi-line script on the host. The script is sent to the interpreter on its standard input " +
			"(INTERPRETER -s), so it never appears in a process list and needs no quoting. " +
			"The task fails when the exit status is not in ok_codes; start the script with set -e to stop at the first failing line. " +
			"With detach = true the script runs as a detached job on the host, which outlives the connection and runbook; its outputs then hold the end of its log as stdout.",
		New:     func() engine.Module { return &Shell{Interpreter: "/bin/sh", OKCodes: []int{0}} },
		Outputs: CommandOutputs{},
	})
}

// Shell is the shell module: it runs a script through an interpreter that
// reads it from standard input.
type Shell struct {
	Script      string            `hcl:"script" doc:"The script to run, usually a heredoc."`
	Interpreter string            `hcl:"interpreter,optional" cmdline:"true" doc:"The program that runs the script, with any options, split on spaces; it is started with -s added and reads the script from standard input."`
	Env         map[string]string `hcl:"env,optional" doc:"Environment variables set for the command."`
	Chdir       string            `hcl:"chdir,optional" doc:"The working directory of the command; relative paths in creates and removes start from it too."`
	Creates     string            `hcl:"creates,optional" doc:"A path on the host: when it exists, the command does not run and the task reports no change."`
	Removes     string            `hcl:"removes,optional" doc:"A path on the host: when it does not exist, the command does not run and the task reports no change."`
	OKCodes     []int             `hcl:"ok_codes,optional" doc:"The exit statuses that count as success."`
}

// Validate checks that there is a script and an interpreter to run it,
// that ok_codes holds exit statuses, and that nothing a host must be
// given holds what no host can carry.
func (s *Shell) Validate() error { return s.ValidateKnown(engine.AllKnown) }

// ValidateKnown checks what Validate does of the arguments that are known,
// so that a wrong env or chdir is refused when the playbook loads even
// when the script is known only after a run.
func (s *Shell) ValidateKnown(known func(arg string) bool) error {
	if known("script") && strings.TrimSpace(s.Script) == "" {
		return engine.ArgErrorf("script", "script is empty")
	}
	if known("interpreter") && len(strings.Fields(s.Interpreter)) == 0 {
		return engine.ArgErrorf("interpreter", "interpreter is empty")
	}
	if err := noNUL(known, "interpreter", s.Interpreter, "interpreter"); err != nil {
		return err
	}
	if known("ok_codes") {
		if err := validateOKCodes(s.OKCodes); err != nil {
			return err
		}
	}
	return validateExecArgs(known, s.Env, s.Chdir, s.Creates, s.Removes)
}

// Describe says how long the script is and what runs it.
func (s *Shell) Describe() string {
	lines := strings.Count(strings.TrimRight(s.Script, "\n"), "\n") + 1
	return fmt.Sprintf("run a %d-line script with %s", lines, s.Interpreter)
}

// Detachable says that the script can run as a detached job (detach = true).
func (*Shell) Detachable() {}

// SafeToRepeat reports whether a guard (creates or removes) lets the
// script decide for itself whether it still needs to run.
func (s *Shell) SafeToRepeat() bool { return s.Creates != "" || s.Removes != "" }

// Run runs the script on env's host.
func (s *Shell) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return runExec(ctx, env, s.spec())
}

// Check says, from creates or removes, whether the script would run; a
// script with neither cannot predict.
func (s *Shell) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return checkExec(ctx, env, s.spec())
}

// spec is the process the task runs, with its guards.
func (s *Shell) spec() execSpec {
	cmd := transport.Command{
		Args:  append(strings.Fields(s.Interpreter), "-s"),
		Stdin: strings.NewReader(s.Script),
		Env:   s.Env,
		Dir:   s.Chdir,
	}
	return execSpec{cmd: cmd, creates: s.Creates, removes: s.Removes, okCodes: s.OKCodes}
}

var (
	_ engine.Validator  = (*Shell)(nil)
	_ engine.Describer  = (*Shell)(nil)
	_ engine.Repeatable = (*Shell)(nil)
	_ engine.Detachable = (*Shell)(nil)

	_ engine.Checker = (*Shell)(nil)
)

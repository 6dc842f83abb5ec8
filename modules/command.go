package modules

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "command",
		Doc: "Runs one command on the host, either from an argument vector (argv), which no shell interprets, " +
			"or from a command line (cmd) run by /bin/sh -c. The task fails when the exit status is not in ok_codes. " +
			"With creates or removes the command runs only when needed, which makes the task safe to repeat. " +
			"With detach = true the command runs as a detached job on the host, which outlives the connection and runbook; its outputs then hold the end of its log as stdout.",
		New:     func() engine.Module { return &Command{OKCodes: []int{0}} },
		Outputs: CommandOutputs{},
	})
}

// Command is the command module: it runs one process on the host.
type Command struct {
	Argv    []string          `hcl:"argv,optional" cmdline:"true" doc:"The program and its arguments; each element reaches the program as it is, with no shell in between. Set exactly one of argv and cmd. The arguments show in the host's process list, so loading warns of a sensitive value in them."`
	Cmd     string            `hcl:"cmd,optional" doc:"A command line run by /bin/sh -c, for pipes, redirections and globs. Set exactly one of argv and cmd. A command line that holds a sensitive value reaches the host through the environment, not on a command line."`
	Stdin   string            `hcl:"stdin,optional" doc:"Text fed to the command's standard input."`
	Env     map[string]string `hcl:"env,optional" doc:"Environment variables set for the command."`
	Chdir   string            `hcl:"chdir,optional" doc:"The working directory of the command; relative paths in creates and removes start from it too."`
	Creates string            `hcl:"creates,optional" doc:"A path on the host: when it exists, the command does not run and the task reports no change."`
	Removes string            `hcl:"removes,optional" doc:"A path on the host: when it does not exist, the command does not run and the task reports no change."`
	OKCodes []int             `hcl:"ok_codes,optional" doc:"The exit statuses that count as success."`
}

// Validate checks that exactly one of argv and cmd is set, that ok_codes
// holds exit statuses, and that nothing a host must be given holds what
// no host can carry.
func (c *Command) Validate() error { return c.ValidateKnown(engine.AllKnown) }

// ValidateKnown checks what Validate does of the arguments that are known,
// so that a wrong env or chdir is refused when the playbook loads even
// when the command line is known only after a run.
func (c *Command) ValidateKnown(known func(arg string) bool) error {
	if known("argv") {
		for i, a := range c.Argv {
			if err := noNUL(known, "argv", a, fmt.Sprintf("argument %d", i)); err != nil {
				return err
			}
		}
	}
	if err := noNUL(known, "cmd", c.Cmd, "cmd"); err != nil {
		return err
	}
	switch {
	case !known("argv") || !known("cmd"):
	case len(c.Argv) > 0 && c.Cmd != "":
		return errors.New("argv and cmd are mutually exclusive: set exactly one")
	case len(c.Argv) == 0 && c.Cmd == "":
		return errors.New("one of argv and cmd is required")
	case len(c.Argv) > 0 && c.Argv[0] == "":
		return errors.New("argv: the program name (the first element) is empty")
	}
	if known("ok_codes") {
		if err := validateOKCodes(c.OKCodes); err != nil {
			return err
		}
	}
	return validateExecArgs(known, c.Env, c.Chdir, c.Creates, c.Removes)
}

// Describe returns the command line the task runs.
func (c *Command) Describe() string {
	if c.Cmd != "" {
		return "run: " + c.Cmd
	}
	words := make([]string, len(c.Argv))
	for i, w := range c.Argv {
		words[i] = displayWord(w)
	}
	return "run: " + strings.Join(words, " ")
}

// Detachable says that the command can run as a detached job (detach = true).
func (*Command) Detachable() {}

// SafeToRepeat reports whether a guard (creates or removes) lets the
// command decide for itself whether it still needs to run.
func (c *Command) SafeToRepeat() bool { return c.Creates != "" || c.Removes != "" }

// Run runs the command on env's host.
func (c *Command) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return runExec(ctx, env, c.spec())
}

// Check says, from creates or removes, whether the command would run; a
// command with neither cannot predict.
func (c *Command) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return checkExec(ctx, env, c.spec())
}

// spec is the process the task runs, with its guards.
func (c *Command) spec() execSpec {
	cmd := transport.Command{Args: c.Argv, Script: c.Cmd, Env: c.Env, Dir: c.Chdir}
	if c.Stdin != "" {
		cmd.Stdin = strings.NewReader(c.Stdin)
	}
	return execSpec{cmd: cmd, creates: c.Creates, removes: c.Removes, okCodes: c.OKCodes}
}

// displayWord returns w as it reads in a plan: as it is when it holds no
// space, quote or control character, else as a double-quoted string.
func displayWord(w string) string {
	if w != "" && !strings.ContainsFunc(w, func(r rune) bool { return r <= ' ' || r == '"' || r == '\'' || r == '\\' || r == 0x7f }) {
		return w
	}
	return strconv.Quote(w)
}

var (
	_ engine.Validator  = (*Command)(nil)
	_ engine.Describer  = (*Command)(nil)
	_ engine.Repeatable = (*Command)(nil)
	_ engine.Detachable = (*Command)(nil)

	_ engine.Checker = (*Command)(nil)
)

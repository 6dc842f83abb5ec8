package modules

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// CommandOutputs are the outputs of the command and shell modules.
type CommandOutputs struct {
	Stdout          string `cty:"stdout" doc:"What the command wrote to standard output, without one trailing newline: all of it, or its last whole lines up to the run's output limit (1 MiB unless --output-limit says otherwise)."`
	Stderr          string `cty:"stderr" doc:"What the command wrote to standard error, without one trailing newline, kept as stdout is."`
	StdoutTruncated bool   `cty:"stdout_truncated" doc:"Whether the command wrote more to standard output than the output limit, so that stdout holds only its end."`
	StderrTruncated bool   `cty:"stderr_truncated" doc:"Whether the command wrote more to standard error than the output limit, so that stderr holds only its end."`
	ExitCode        int    `cty:"exit_code" doc:"The exit status of the command: -1 when a signal ended it, 0 when it was skipped."`
	Skipped         bool   `cty:"skipped" doc:"Whether the command did not run because of creates or removes."`
}

// ExitError is the error of a command or shell task whose process ended
// with an exit status not listed in ok_codes, or was ended by a signal.
type ExitError struct {
	// Host is the inventory name of the host the command ran on.
	Host string
	// Code is the exit status; -1 when a signal ended the process.
	Code int
	// Signal names the signal that ended the process, or is empty.
	Signal string
	// StderrTail holds the last lines the process wrote to standard error.
	StderrTail string
}

// Error names the host, the exit status or signal, and the end of stderr.
func (e *ExitError) Error() string {
	msg := fmt.Sprintf("command on %s exited with code %d", e.Host, e.Code)
	if e.Signal != "" {
		msg = fmt.Sprintf("command on %s was ended by signal %s", e.Host, e.Signal)
	}
	if e.StderrTail != "" {
		msg += ": " + strings.ReplaceAll(e.StderrTail, "\n", "; ")
	}
	return msg
}

// How much of the end of standard error an ExitError keeps: this many
// lines, and this many bytes of them at most.
const (
	stderrTailLines = 5
	stderrTailBytes = 4 << 10
)

// execSpec is a process that a command-like module runs, with the guards
// that may skip it and the exit statuses that count as success.
type execSpec struct {
	cmd     transport.Command
	creates string // skip when this path exists
	removes string // skip when this path does not exist
	okCodes []int
}

// validateExecArgs checks, of the arguments command and shell share and
// that known says hold their final values, what no host can be given: a
// name in env that is no shell variable's, and a NUL byte in env, chdir,
// creates or removes (see noNUL).
func validateExecArgs(known func(arg string) bool, env map[string]string, chdir, creates, removes string) error {
	if known("env") {
		for _, k := range slices.Sorted(maps.Keys(env)) {
			if !shellquote.IsName(k) {
				return engine.ArgErrorf("env", "%q is not a name of an environment variable: a letter or an underscore, then letters, digits and underscores", k)
			}
			if err := noNUL(known, "env", env[k], "environment variable "+k); err != nil {
				return err
			}
		}
	}
	for _, a := range []struct{ name, value string }{{"chdir", chdir}, {"creates", creates}, {"removes", removes}} {
		if err := noNUL(known, a.name, a.value, a.name); err != nil {
			return err
		}
	}
	return nil
}

// noNUL returns an error at the argument arg, naming what, when arg is
// known and value holds a NUL byte, which no command line, environment or
// path can carry. The error does not quote the value, which may be secret.
func noNUL(known func(arg string) bool, arg, value, what string) error {
	if known(arg) && strings.IndexByte(value, 0) >= 0 {
		return engine.ArgErrorf(arg, "%s holds a NUL byte, which no command line, environment or path can carry", what)
	}
	return nil
}

// runExec runs spec on env's host and turns what happened into the
// module's result: unchanged and skipped when a guard says so, changed
// otherwise, failed with an *ExitError when the exit status is not
// accepted.
func runExec(ctx context.Context, env *engine.Env, spec execSpec) (engine.Result, error) {
	skip, err := guardsSkip(ctx, env, spec)
	switch {
	case err != nil:
		return engine.Result{}, err
	case skip:
		return engine.Result{Outputs: CommandOutputs{Skipped: true}}, nil
	}
	if env.Detach != nil {
		return runDetached(ctx, env, spec)
	}
	res, err := env.Host.Run(ctx, spec.cmd)
	if err != nil {
		return engine.Result{}, fmt.Errorf("run command on %s: %w", env.HostName, err)
	}
	out := CommandOutputs{
		Stdout:          trimNewline(res.Stdout),
		Stderr:          trimNewline(res.Stderr),
		StdoutTruncated: res.StdoutTruncated,
		StderrTruncated: res.StderrTruncated,
		ExitCode:        res.ExitCode,
	}
	result := engine.Result{Changed: true, Outputs: out}
	if res.Signal != "" || !slices.Contains(spec.okCodes, res.ExitCode) {
		return result, &ExitError{Host: env.HostName, Code: res.ExitCode, Signal: res.Signal, StderrTail: tail(out.Stderr, stderrTailLines)}
	}
	return result, nil
}

// runDetached runs spec as a detached job (the task sets detach = true)
// and turns how it ended into the module's result, as runExec does; its
// log, standard output and error together, stands for both.
func runDetached(ctx context.Context, env *engine.Env, spec execSpec) (engine.Result, error) {
	res, err := env.Detached(ctx, "job", spec.cmd, *env.Detach)
	if err != nil && res.Signal == "" { // not started, left running, or lost
		return engine.Result{}, err
	}
	out := CommandOutputs{Stdout: res.Tail, ExitCode: res.ExitCode}
	result := engine.Result{Changed: true, Outputs: out}
	if err != nil {
		return result, err
	}
	if res.Signal != "" || !slices.Contains(spec.okCodes, res.ExitCode) {
		return result, &ExitError{Host: env.HostName, Code: res.ExitCode, Signal: res.Signal, StderrTail: tail(res.Tail, stderrTailLines)}
	}
	return result, nil
}

// checkExec says, in check mode, whether spec would run: a command with a
// guard runs unless the guard says it must not, and would change
// something when it runs; what a command without one would do cannot be
// predicted.
func checkExec(ctx context.Context, env *engine.Env, spec execSpec) (engine.Result, error) {
	if spec.creates == "" && spec.removes == "" {
		return engine.Result{}, fmt.Errorf("%w: a command without creates or removes may change anything", engine.ErrCannotPredict)
	}
	skip, err := guardsSkip(ctx, env, spec)
	if err != nil || skip {
		return engine.Result{Outputs: CommandOutputs{Skipped: skip}}, err
	}
	return engine.Result{Changed: true}, nil
}

// guardsSkip reports whether the creates or removes guard of spec says
// the command must not run. Relative guard paths are taken from the
// command's working directory.
func guardsSkip(ctx context.Context, env *engine.Env, spec execSpec) (bool, error) {
	if spec.creates != "" {
		exists, err := pathExists(ctx, env, spec.cmd.Dir, spec.creates)
		if err != nil || exists {
			return exists, err
		}
	}
	if spec.removes != "" {
		exists, err := pathExists(ctx, env, spec.cmd.Dir, spec.removes)
		return !exists, err
	}
	return false, nil
}

// pathExists reports whether path exists on env's host, resolving a
// relative path from dir (the login directory when dir is empty).
func pathExists(ctx context.Context, env *engine.Env, dir, path string) (bool, error) {
	res, err := env.Host.Run(ctx, transport.Command{Args: []string{"test", "-e", path}, Dir: dir})
	switch {
	case err != nil:
		return false, fmt.Errorf("check whether %s exists on %s: %w", path, env.HostName, err)
	case res.OK():
		return true, nil
	case res.ExitCode == 1:
		return false, nil
	}
	return false, fmt.Errorf("check whether %s exists on %s: test exited with code %d: %s", path, env.HostName, res.ExitCode, trimNewline(res.Stderr))
}

// validateOKCodes checks the ok_codes argument shared by command and shell.
func validateOKCodes(codes []int) error {
	if len(codes) == 0 {
		return engine.ArgErrorf("ok_codes", "ok_codes must list at least one exit status")
	}
	for _, c := range codes {
		if c < 0 || c > 255 {
			return engine.ArgErrorf("ok_codes", "%d is not an exit status (0 to 255)", c)
		}
	}
	return nil
}

// trimNewline returns b as a string without one trailing newline.
func trimNewline(b []byte) string {
	return strings.TrimSuffix(string(b), "\n")
}

// tail returns the last n lines of s, and of them the last
// stderrTailBytes bytes at most, less a character cut at their start.
func tail(s string, n int) string {
	start := len(s)
	for ; n > 0 && start >= 0; n-- {
		start = strings.LastIndexByte(s[:start], '\n')
	}
	s = s[start+1:]
	if len(s) > stderrTailBytes {
		s = strings.ToValidUTF8(s[len(s)-stderrTailBytes:], "")
	}
	return s
}

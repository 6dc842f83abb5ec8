package alation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// initScript is Alation's service script, the entry to its shell.
const initScript = "/etc/init.d/alation"

// outputMarker is printed before the output a module parses, so that
// anything a login prints first (a MOTD, a noisy shell start-up file) is
// never taken for the command's output.
const outputMarker = "__runbook_output__"

// asRoot is the sudo every command of this package runs with; the engine
// fills in the host's sudo password.
func asRoot() *transport.Sudo { return &transport.Sudo{} }

// runRoot runs script with /bin/sh as root on h. Its stdout in the result
// is what the script printed, without anything printed before it ran.
func runRoot(ctx context.Context, h transport.Host, script string) (transport.Result, error) {
	res, err := h.Run(ctx, transport.Command{Script: "echo " + outputMarker + "\n" + script, Sudo: asRoot()})
	res.Stdout = afterMarker(res.Stdout)
	return res, err
}

// runInShell runs lines, one command each, inside the Alation shell
// (`sudo /etc/init.d/alation shell`), fed on its standard input. The exit
// status is that of the last line; stdout is what the lines printed. The
// shell reads one command a line whatever the quoting, so a line holding
// a control character is refused before anything runs (see lineSafe).
func runInShell(ctx context.Context, h transport.Host, lines ...string) (transport.Result, error) {
	cmd, err := shellCommand(append([]string{"echo " + outputMarker}, lines...)...)
	if err != nil {
		return transport.Result{}, err
	}
	res, err := h.Run(ctx, cmd)
	res.Stdout = afterMarker(res.Stdout)
	return res, err
}

// shellCommand is the command that runs lines in the Alation shell, as
// root: `/etc/init.d/alation shell` with the lines on its standard input.
// A line holding a control character is refused (see lineSafe).
func shellCommand(lines ...string) (transport.Command, error) {
	for _, line := range lines {
		if err := lineSafe(line); err != nil {
			return transport.Command{}, fmt.Errorf("refused a command for the Alation shell: %w", err)
		}
	}
	return transport.Command{
		Args:  []string{initScript, "shell"},
		Stdin: strings.NewReader(strings.Join(lines, "\n") + "\n"),
		Sudo:  asRoot(),
	}, nil
}

// ErrNoEffect is wrapped by the error of a command whose effect, read back
// on the host, does not show.
var ErrNoEffect = errors.New("the command did not take effect")

// effect reads back on a host whether a command took effect; when it did
// not, state says what the host shows instead.
type effect func(ctx context.Context) (done bool, state string, err error)

// ErrCutShort is wrapped by the error of a command that the task's
// timeout, or the end of the run, cut short before its effect showed.
var ErrCutShort = errors.New("the command was cut short")

// effectReadLimit bounds the reading of an effect after the task's time
// is up.
const effectReadLimit = 30 * time.Second

// runJudged runs line in the Alation shell of h and then reads its effect
// with done, which decides: a command that exits non-zero but did its work
// succeeds, and one that exits 0 without its effect fails, wrapping
// ErrNoEffect. A command that the task's timeout (or the end of the run)
// cuts short is judged by its effect too, read within effectReadLimit:
// slow Alation actions may have finished, and when they have not they may
// still be running on the host, which the error, wrapping ErrCutShort,
// says rather than report them failed. It returns what the command
// printed.
func runJudged(ctx context.Context, h transport.Host, line string, done effect) (string, error) {
	res, err := runInShell(ctx, h, line)
	return judge(ctx, line, res, err, done)
}

// jobPoll is how often a detached Alation action is polled for its log
// and its end: often enough that a short one ends the step soon after it
// ends, seldom enough that one of days costs the host little.
const jobPoll = 2 * time.Second

// runDetachedJudged runs line, an action that may run for hours, in the
// Alation shell as a detached job named key: on the task's host
// (Env.Detached) when on is the zero HostRef, else on the peer on
// (Env.PeerDetached). The job's command is the Alation shell as
// runInShell starts it, with line alone on its standard input (a job's
// log holds nothing a login prints, so no output marker), in a session of
// its own that outlives the connection and the run. Its log shows as it
// comes. A run cut off while it runs re-attaches to it when resumed,
// rather than run it again. Once it ends, it is judged by its effect as
// runJudged judges; when the run stops watching it, it is lost, or the
// task's timeout kills it, the error says so (wrapping
// engine.ErrJobDetached, engine.ErrJobLost or the context's error).
func runDetachedJudged(ctx context.Context, env *engine.Env, on engine.HostRef, key, line string, done effect) (string, error) {
	cmd, err := shellCommand(line)
	if err != nil {
		return "", err
	}
	opts := engine.JobOptions{Poll: jobPoll}
	var res engine.JobResult
	if on.Name == "" {
		res, err = env.Detached(ctx, key, cmd, opts)
	} else {
		res, err = env.PeerDetached(ctx, on, key, cmd, opts)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", line, err)
	}
	return judge(ctx, line, transport.Result{ExitCode: res.ExitCode, Stdout: []byte(res.Tail)}, nil, done)
}

// judge decides, by its effect read with done, the outcome of line that
// ended with res and err (see runJudged).
func judge(ctx context.Context, line string, res transport.Result, err error, done effect) (string, error) {
	if err != nil && ctx.Err() == nil {
		return "", fmt.Errorf("%s: %w", line, err)
	}
	readCtx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		readCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), effectReadLimit)
		defer cancel()
	}
	ok, state, readErr := done(readCtx)
	switch {
	case readErr == nil && ok:
		return strings.TrimSpace(string(res.Stdout)), nil
	case ctx.Err() != nil:
		return "", fmt.Errorf("%w: %s did not finish in the time the task allows (%w), and its effect does not show yet (%s): it may still be running on the host, as slow Alation actions do; wait for it to end, and give the task more time (in ha-pair: -var action_timeout or -var replicate_timeout) before running again",
			ErrCutShort, line, ctx.Err(), cmp.Or(state, fmt.Sprint(readErr)))
	case readErr != nil:
		return "", fmt.Errorf("%s: read back its effect: %w", line, readErr)
	case !res.OK():
		return "", fmt.Errorf("%s: exit status %d%s; %s", line, res.ExitCode, said(res), state)
	}
	return "", fmt.Errorf("%w: %s exited 0, but %s%s", ErrNoEffect, line, state, said(res))
}

// mustOK turns a command that could not run, or exited non-zero, into an
// error that says what was being done and ends with what the command said.
func mustOK(res transport.Result, err error, what string) (string, error) {
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if !res.OK() {
		return "", fmt.Errorf("%s: exit status %d%s", what, res.ExitCode, said(res))
	}
	return string(res.Stdout), nil
}

// said returns ": " and the last lines of what a command printed (stderr,
// else stdout), or "" when it printed nothing.
func said(res transport.Result) string {
	text := strings.TrimSpace(string(res.Stderr))
	if text == "" {
		text = strings.TrimSpace(string(res.Stdout))
	}
	if text == "" {
		return ""
	}
	lines := strings.Split(text, "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return ": " + strings.Join(lines, "; ")
}

// afterMarker returns what follows the first outputMarker line of out, or
// out itself when the marker is missing.
func afterMarker(out []byte) []byte {
	s := string(out)
	if i := strings.Index(s, outputMarker+"\n"); i >= 0 {
		return []byte(s[i+len(outputMarker)+1:])
	}
	return out
}

// assign returns shell lines setting each name to its quoted value; pairs
// alternate name and value.
func assign(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString(pairs[i] + "=" + shellquote.Quote(pairs[i+1]) + "\n")
	}
	return b.String()
}

// lineSafe returns an error when s holds a control character: a C0 one
// (newline, carriage return, NUL, …), DEL or a C1 one. It is the one check
// of every value that goes into a script read line by line, such as the
// Alation shell's standard input, where quoting does not help: a newline
// ends the command and the next line runs as another, as root.
func lineSafe(s string) error {
	i := strings.IndexFunc(s, unicode.IsControl)
	if i < 0 {
		return nil
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return fmt.Errorf("%q holds the control character %U at byte %d: a value in a command read line by line cannot hold one", s, r, i)
}

// argsLineSafe returns an *engine.ArgError about the first argument whose
// value lineSafe refuses; pairs alternate argument name and value.
func argsLineSafe(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := lineSafe(pairs[i+1]); err != nil {
			return &engine.ArgError{Arg: pairs[i], Err: err}
		}
	}
	return nil
}

// checkAddress returns an *engine.ArgError unless the argument arg holds
// an address that commands on a host take as one: not empty, no
// whitespace or control character, and not starting with "-", which ssh,
// ip or psql would read as an option.
func checkAddress(arg, address string) error {
	if err := argsLineSafe(arg, address); err != nil {
		return err
	}
	switch {
	case address == "":
		return engine.ArgErrorf(arg, "an address is needed")
	case strings.HasPrefix(address, "-"):
		return engine.ArgErrorf(arg, "%q starts with \"-\", which commands on the host would read as an option", address)
	case strings.ContainsFunc(address, unicode.IsSpace):
		return engine.ArgErrorf(arg, "%q holds whitespace", address)
	}
	return nil
}

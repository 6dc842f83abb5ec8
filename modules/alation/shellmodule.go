package alation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// AlationShell reads or sets an alation_conf key, runs an alation_action, or
// starts the services: the steps of the procedure done in the Alation
// shell. Exactly one of get, set, key, action and service is given.
type AlationShell struct {
	Get       string   `hcl:"get,optional" doc:"An alation_conf key to read; its value is the output value."`
	Set       *SetConf `hcl:"set,optional" doc:"An object {key, value}: the alation_conf key to set and its value, set only when it differs."`
	Key       string   `hcl:"key,optional" doc:"The alation_conf key to set, with value or values: the long form of set."`
	Value     string   `hcl:"value,optional" doc:"The value to give key, as alation_conf -s takes it (a list may be written ['a','b'])."`
	Values    []string `hcl:"values,optional" doc:"A list value to give key, written ['a','b'] for alation_conf."`
	Action    string   `hcl:"action,optional" doc:"An alation_action to run. Only actions whose outcome can be checked first run without unguarded: cluster_enter_master_mode and cluster_enter_standalone_mode, which do nothing when the host is already in that mode."`
	Unguarded bool     `hcl:"unguarded,optional" doc:"Whether to allow an action that cannot be checked first; it then runs every time and always reports a change."`
	Service   string   `hcl:"service,optional" doc:"\"start\" to start the services when they are stopped, or \"status\" to read whether they run."`
}

// SetConf is the value of alation_shell's set argument.
type SetConf struct {
	Key   string `cty:"key"`
	Value string `cty:"value"`
}

// ShellOutputs are the outputs of alation_shell.
type ShellOutputs struct {
	Value   string `cty:"value" doc:"The key's value (after any set), or for service \"running\" or \"stopped\"."`
	Output  string `cty:"output" doc:"What the last command run printed."`
	Changed bool   `cty:"changed" doc:"Whether the task changed anything."`
}

// guardedActions maps each alation_action this module can check first to
// the replication mode it leads to.
var guardedActions = map[string]string{
	"cluster_enter_master_mode":     "master",
	"cluster_enter_standalone_mode": "standalone",
}

// Validate checks that exactly one form is used, that it is complete, and
// that no value would break out of its line in the Alation shell.
func (m *AlationShell) Validate() error { return m.ValidateKnown(engine.AllKnown) }

// shellArgs are the arguments of alation_shell; the form rules need all
// of them.
var shellArgs = []string{"get", "set", "key", "value", "values", "action", "unguarded", "service"}

// ValidateKnown refuses control characters in every known value that goes
// into a line of the Alation shell, and checks the form once every
// argument is known.
func (m *AlationShell) ValidateKnown(known func(string) bool) error {
	var pairs []string
	for _, p := range []struct{ arg, value string }{{"get", m.Get}, {"key", m.Key}, {"value", m.Value}, {"action", m.Action}} {
		if known(p.arg) {
			pairs = append(pairs, p.arg, p.value)
		}
	}
	if known("values") {
		for _, v := range m.Values {
			pairs = append(pairs, "values", v)
		}
	}
	if known("set") && m.Set != nil {
		pairs = append(pairs, "set", m.Set.Key, "set", m.Set.Value)
	}
	if err := argsLineSafe(pairs...); err != nil {
		return err
	}
	for _, arg := range shellArgs {
		if !known(arg) {
			return nil
		}
	}
	return m.checkForm()
}

// checkForm checks that exactly one form is used and that it is complete.
func (m *AlationShell) checkForm() error {
	forms := 0
	for _, given := range []bool{m.Get != "", m.Set != nil, m.Key != "", m.Action != "", m.Service != ""} {
		if given {
			forms++
		}
	}
	switch {
	case forms != 1:
		return errors.New("give exactly one of get, set, key (with value or values), action and service")
	case m.Key == "" && (m.Value != "" || m.Values != nil):
		return errors.New("value and values go with key")
	case m.Key != "" && m.Value != "" && m.Values != nil:
		return errors.New("give key either value or values, not both")
	case m.Set != nil && m.Set.Key == "":
		return engine.ArgErrorf("set", "set needs a key")
	case m.Action != "" && guardedActions[m.Action] == "" && !m.Unguarded:
		return engine.ArgErrorf("action", "action %q cannot be checked before it runs, so it would run again on every run; set unguarded = true to run it anyway", m.Action)
	case m.Action != "" && strings.ContainsAny(m.Action, " \t;|&$`'\"<>()"):
		return engine.ArgErrorf("action", "%q is not an action name", m.Action)
	case m.Service != "" && m.Service != "start" && m.Service != "status":
		return engine.ArgErrorf("service", "service must be \"start\" or \"status\", not %q", m.Service)
	}
	return nil
}

// SafeToRepeat reports whether running the task again after it was cut
// off mid-way is harmless, which it is for every form but an unguarded
// action: get and service status only read; set (and key) reads the key
// first and sets it only when it differs, so a second run sets it at most
// to the same value; service start starts the services only when they
// are stopped; a guarded action runs only when the host is not yet in the
// mode it leads to, which is what it would have done had the first run
// never started. An unguarded action may have half run, and only the
// operator can tell whether running it again is safe.
func (m *AlationShell) SafeToRepeat() bool { return m.Action == "" || guardedActions[m.Action] != "" }

// setTarget returns the key to set and its value as alation_conf takes it.
func (m *AlationShell) setTarget() (key, value string) {
	if m.Set != nil {
		return m.Set.Key, m.Set.Value
	}
	if m.Values != nil {
		return m.Key, formatList(m.Values)
	}
	return m.Key, m.Value
}

// Run performs the one thing the task asks for.
func (m *AlationShell) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if err := m.Validate(); err != nil {
		return engine.Result{}, err
	}
	var (
		out ShellOutputs
		err error
	)
	switch {
	case m.Get != "":
		out.Value, err = getConf(ctx, env.Host, m.Get)
		out.Output = m.Get + " = " + out.Value
	case m.Action != "":
		out, err = m.runAction(ctx, env)
	case m.Service != "":
		out, err = m.runService(ctx, env)
	default:
		key, value := m.setTarget()
		if out.Changed, err = setConf(ctx, env.Host, key, value); err == nil {
			out.Value, err = getConf(ctx, env.Host, key)
			out.Output = key + " = " + out.Value
		}
	}
	if err != nil {
		return engine.Result{}, fmt.Errorf("alation shell on %s: %w", env.HostName, err)
	}
	return engine.Result{Changed: out.Changed, Outputs: out}, nil
}

// runAction runs m.Action unless the host is already in the mode it leads
// to.
func (m *AlationShell) runAction(ctx context.Context, env *engine.Env) (ShellOutputs, error) {
	if mode := guardedActions[m.Action]; mode != "" {
		current, err := getConf(ctx, env.Host, keyReplicationMode)
		if err != nil {
			return ShellOutputs{}, err
		}
		if current == mode {
			return ShellOutputs{Value: current, Output: keyReplicationMode + " = " + current}, nil
		}
	}
	line := "alation_action " + shellquote.Quote(m.Action)
	mode := guardedActions[m.Action]
	if mode == "" {
		res, err := runInShell(ctx, env.Host, line)
		text, err := mustOK(res, err, "alation_action "+m.Action)
		return ShellOutputs{Output: strings.TrimSpace(text), Changed: true}, err
	}
	text, err := runJudged(ctx, env.Host, line, modeIs(env.Host, mode))
	return ShellOutputs{Value: mode, Output: text, Changed: true}, err
}

// modeIs reads back whether h is in the replication mode.
func modeIs(h transport.Host, mode string) effect {
	return func(ctx context.Context) (bool, string, error) {
		now, err := getConf(ctx, h, keyReplicationMode)
		return now == mode, keyReplicationMode + " is " + quoteState(now) + ", not " + mode, err
	}
}

// runService reads the state of the services and starts them when asked
// to and stopped.
func (m *AlationShell) runService(ctx context.Context, env *engine.Env) (ShellOutputs, error) {
	running, _, err := servicesRunning(ctx, env.Host)
	if err != nil {
		return ShellOutputs{}, err
	}
	if running || m.Service == "status" {
		return ShellOutputs{Value: runningWord(running)}, nil
	}
	res, err := runRoot(ctx, env.Host, initScript+" start")
	text, err := mustOK(res, err, initScript+" start")
	if err != nil {
		return ShellOutputs{}, err
	}
	running, down, err := servicesRunning(ctx, env.Host)
	if err == nil && !running {
		err = fmt.Errorf("%s start ran but the services are still not running: %s", initScript, strings.Join(down, "; "))
	}
	return ShellOutputs{Value: runningWord(running), Output: strings.TrimSpace(text), Changed: true}, err
}

// runningWord names the state of the services.
func runningWord(running bool) string {
	if running {
		return "running"
	}
	return "stopped"
}

// Describe says what the task would do.
func (m *AlationShell) Describe() string {
	switch {
	case m.Get != "":
		return "read " + m.Get
	case m.Action != "" && guardedActions[m.Action] != "":
		return "run alation_action " + m.Action + " unless the host is already in " + guardedActions[m.Action] + " mode"
	case m.Action != "":
		return "run alation_action " + m.Action
	case m.Service == "start":
		return "start the Alation services if they are stopped"
	case m.Service != "":
		return "read whether the Alation services run"
	}
	key, value := m.setTarget()
	return "set " + key + " to " + value
}

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name:    "alation_shell",
		Doc:     "Works inside the Alation shell (sudo /etc/init.d/alation shell): reads an alation_conf key, sets one when its value differs, runs an alation_action guarded by the mode it leads to, or starts the services when they are stopped. A set and a guarded action are judged by the value or mode read back afterwards, not by their exit status.",
		New:     func() engine.Module { return &AlationShell{} },
		Outputs: ShellOutputs{},
	})
}

var (
	_ engine.Module           = (*AlationShell)(nil)
	_ engine.Validator        = (*AlationShell)(nil)
	_ engine.PartialValidator = (*AlationShell)(nil)
	_ engine.Describer        = (*AlationShell)(nil)
	_ engine.Repeatable       = (*AlationShell)(nil)
)

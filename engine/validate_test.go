package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/loadtest"
)

// windowModule takes a duration and a window from low to high, which
// must not be empty; it checks the window as soon as both ends are known.
type windowModule struct {
	Wait  Duration `hcl:"wait,optional"`
	Input string   `hcl:"input,optional"`
	Low   int      `hcl:"low,optional"`
	High  int      `hcl:"high,optional"`
}

func (m *windowModule) Run(context.Context, *Env) (Result, error) { return Result{}, nil }

func (m *windowModule) Validate() error {
	if err := CheckArguments(m); err != nil {
		return err
	}
	return m.ValidateKnown(func(string) bool { return true })
}

func (m *windowModule) ValidateKnown(known func(string) bool) error {
	if known("low") && known("high") && m.Low > m.High {
		return ArgErrorf("high", "%d is below low (%d)", m.High, m.Low)
	}
	return nil
}

// opaqueModule has rules but cannot check any of them before every
// argument is known.
type opaqueModule struct {
	Input string `hcl:"input,optional"`
	Other string `hcl:"other,optional"`
}

func (m *opaqueModule) Run(context.Context, *Env) (Result, error) { return Result{}, nil }

func (m *opaqueModule) Validate() error {
	if m.Other == "bad" {
		return errors.New("other is bad")
	}
	return nil
}

func init() {
	RegisterModule(ModuleInfo{Name: "window", Doc: "Checks a window.", New: func() Module { return &windowModule{Wait: "1s"} }})
	RegisterModule(ModuleInfo{Name: "opaque", Doc: "Checks late.", New: func() Module { return &opaqueModule{} }})
}

// TestLoadValidatesKnownArguments loads tasks whose arguments are known in
// part: what is known is checked when the playbook loads, each error at
// its argument, while rules that need an unknown argument wait for the
// run.
func TestLoadValidatesKnownArguments(t *testing.T) {
	src := `
task "echo" "source" {
  message = "x"
}
task "window" "bad_wait" {
  wait  = "5mins"
  input = task.source.message
}
task "window" "negative_wait" {
  wait  = "-5m"
  input = task.source.message
}
task "window" "empty" {
  input = task.source.message
  low   = 3
  high  = 1
}
task "window" "later" {
  low  = 3
  high = task.source.count
}
task "window" "fine" {
  wait  = "90s"
  input = task.source.message
}
task "opaque" "late" {
  input = task.source.message
  other = "bad"
}
task "opaque" "known" {
  other = "bad"
}
`
	p, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": src}), LoadOptions{})
	want := []struct {
		line int
		says []string
	}{
		{6, []string{"bad_wait", `"wait"`, `"5mins" is not a positive duration`}},
		{10, []string{"negative_wait", `"wait"`, `"-5m" is not a positive duration`}},
		{16, []string{"empty", `"high"`, "1 is below low (3)"}},
		{30, []string{"known", "other is bad"}},
	}
	if len(diags) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(want), diagText(p, diags))
	}
	for i, w := range want {
		d := diags[i]
		if d.Severity != hcl.DiagError || d.Subject == nil || d.Subject.Start.Line != w.line {
			t.Errorf("diagnostic %d is not an error on line %d:\n%s", i, w.line, diagText(p, hcl.Diagnostics{d}))
			continue
		}
		for _, s := range w.says {
			if !strings.Contains(d.Detail, s) {
				t.Errorf("diagnostic %d does not say %s: %s", i, s, d.Detail)
			}
		}
	}
}

// TestRunValidatesLateArguments runs tasks whose invalid arguments are
// known only once the task they read has run: they fail naming the task
// and the argument.
func TestRunValidatesLateArguments(t *testing.T) {
	p := mustLoad(t, `
task "echo" "source" {
  message = "soon"
  count   = 1
}
task "window" "wait" {
  wait = task.source.message
}
task "window" "window" {
  low  = 3
  high = task.source.count
}
`, LoadOptions{})
	rep, err := Run(context.Background(), p, RunOptions{})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("run: %v", err)
	}
	for id, says := range map[string]string{
		"wait@local":   `argument "wait" (module window): "soon" is not a positive duration`,
		"window@local": `task window on host local: invalid arguments: argument "high": 1 is below low (3)`,
	} {
		if res := resultOf(t, rep, id); res.Status != StatusFailed || !strings.Contains(res.Err.Error(), says) {
			t.Errorf("%s: %s, %v; want failed saying %s", id, res.Status, res.Err, says)
		}
	}
}

func TestCheckArguments(t *testing.T) {
	err := CheckArguments(&windowModule{Wait: "0s"})
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Arg != "wait" || !strings.Contains(err.Error(), `argument "wait": "0s" is not a positive duration`) {
		t.Errorf("CheckArguments = %v", err)
	}
	if err := CheckArguments(&windowModule{Wait: "1h30m"}); err != nil {
		t.Errorf("CheckArguments = %v", err)
	}
	if d := Duration("1h30m").Value(); d.Minutes() != 90 {
		t.Errorf("Value = %s", d)
	}
}

func TestDurationValueOfUncheckedPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"soon" is not a positive duration`) {
			t.Errorf("recovered %v, want a panic naming the value", r)
		}
	}()
	_ = Duration("soon").Value()
}

// TestAnsibleWordsHint checks that the Ansible habits of
// testdata/invalid/ansible_*.hcl give errors that say what to write
// instead (their lines and columns are checked by TestInvalidPlaybooks).
func TestAnsibleWordsHint(t *testing.T) {
	for fixture, wants := range map[string][]string{
		"ansible_words": {
			`named "item". References start with var, local, host, group, self, task, result, each, role. For a loop over items, as Ansible's item, give the task for_each and write each.value (or each.key).`,
			`named "notify". For Ansible's notify, write on_change = [task.NAME] on the handler`,
			`named "loop". For Ansible's loop, write for_each = toset([...])`,
			`named "with_items". For Ansible's with_items, write for_each = toset([...])`,
			`named "become". For Ansible's become, write sudo = true.`,
			`named "become_user". For Ansible's become_user, write sudo_user = "NAME".`,
			`named "register". For Ansible's register, read the task's outputs where they are needed: task.NAME.OUTPUT`,
			`named "serial". For Ansible's serial, write batch = N`,
		},
		"ansible_habits": {
			`name one, in brackets, as in task.user["alice"].OUTPUT.`,
			`on_change is a list of tasks that run on the same host, such as [task.config, task.unit]`,
		},
	} {
		p, diags := Load(playbookOf(t, "testdata/invalid/"+fixture), LoadOptions{})
		text := loadtest.Flat(diagText(p, diags))
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the diagnostics lack %q:\n%s", fixture, want, text)
			}
		}
	}
}

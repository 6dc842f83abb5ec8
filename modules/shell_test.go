package modules_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/modules"
)

func shell(t *testing.T) *modules.Shell { return newModule[*modules.Shell](t, "shell") }

func TestShellRunsMultiLineScript(t *testing.T) {
	s := shell(t)
	s.Script = `set -e
name='it''s "quoted"'
for i in 1 2; do
  echo "$i: $name"
done
echo done >&2
`
	res := mustRun(t, s)
	out := res.Outputs.(modules.CommandOutputs)
	if want := "1: its \"quoted\"\n2: its \"quoted\""; out.Stdout != want {
		t.Errorf("stdout = %q, want %q", out.Stdout, want)
	}
	if out.Stderr != "done" || !res.Changed {
		t.Errorf("stderr = %q, changed = %v; want done and changed", out.Stderr, res.Changed)
	}
}

func TestShellScriptIsNotOnTheCommandLine(t *testing.T) {
	s := shell(t)
	s.Script = "tr '\\0' ' ' < /proc/$$/cmdline # secret-marker\n"
	out := mustRun(t, s).Outputs.(modules.CommandOutputs)
	if strings.Contains(out.Stdout, "secret-marker") || !strings.Contains(out.Stdout, "-s") {
		t.Errorf("the interpreter's command line is %q; want it to read the script from stdin", out.Stdout)
	}
}

func TestShellInterpreterWithOptions(t *testing.T) {
	s := shell(t)
	s.Interpreter = "/bin/bash -e"
	s.Script = "[[ x == x ]] && echo bash\nfalse\necho not reached\n"
	res, err := run(t, s)
	var exitErr *modules.ExitError
	if !errors.As(err, &exitErr) || exitErr.Code != 1 {
		t.Fatalf("err = %v, want exit code 1 from set -e", err)
	}
	if out := res.Outputs.(modules.CommandOutputs); out.Stdout != "bash" {
		t.Errorf("stdout = %q, want bash", out.Stdout)
	}
}

func TestShellDescribe(t *testing.T) {
	s := shell(t)
	s.Script = "a\nb\nc\n"
	if got, want := s.Describe(), "run a 3-line script with /bin/sh"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

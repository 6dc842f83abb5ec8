package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/internal/loadtest"
)

// TestSecretScriptOffCommandLine runs, on the control node, a script that
// holds a sensitive value: the process that runs it does not show the
// script in its argument vector, the script sees the value, and the
// commands it starts do not inherit the variable that carried it.
func TestSecretScriptOffCommandLine(t *testing.T) {
	p := mustLoad(t, `
variable "pw" {
  type      = string
  sensitive = true
}
task "shell" "uses_secret" {
  script = <<-EOT
    pw='${var.pw}'
    tr '[:cntrl:]' ' ' </proc/$$/cmdline; echo
    echo "length $${#pw}"
    env | grep -c RUNBOOK_SCRIPT || true
  EOT
}
`, LoadOptions{Vars: []string{"pw=hunter2-secret"}})
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect})
	if err != nil {
		t.Fatal(err)
	}
	want := `/bin/sh -c eval "unset RUNBOOK_SCRIPT; ${RUNBOOK_SCRIPT:?the script did not reach the host}" ` + "\nlength 14\n0"
	if got := resultOf(t, rep, "uses_secret@local").Outputs["stdout"]; got != want {
		t.Errorf("the script printed %q, want %q", got, want)
	}
}

// TestSecretInArgvWarns checks that a sensitive value given to an
// argument tagged cmdline:"true" is warned about at its place, and one
// given elsewhere is not.
func TestSecretInArgvWarns(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": `
variable "pw" {
  type      = string
  sensitive = true
}
task "argv" "visible" {
  args = ["login", var.pw]
}
task "argv" "hidden" {
  args  = ["login"]
  stdin = var.pw
}
`})
	p, diags := Load(dir, LoadOptions{Vars: []string{"pw=hunter2-secret"}})
	if diags.HasErrors() || len(diags) != 1 {
		t.Fatalf("want one warning, got %s", diagText(p, diags))
	}
	if d := diags[0]; d.Summary != "Sensitive value in a command line" || d.Subject.Start.Line != 7 || !strings.Contains(d.Detail, "main.hcl:7,10-27") {
		t.Errorf("warning %s at %s: %s", d.Summary, d.Subject, d.Detail)
	}
}

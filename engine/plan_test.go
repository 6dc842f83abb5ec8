package engine

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/testenv"
)

const planPlaybook = `
variable "pw" {
  type      = string
  sensitive = true
  default   = "hunter2"
}
host "web" {}
task "echo" "known" {
  on      = host.web
  message = "hello"
  items   = ["a", "b"]
  when    = true
}
task "echo" "later" {
  on      = host.web
  message = "after ${task.known.message}"
  count   = 2
  when    = task.known.count > 1
}
task "echo" "secret" {
  message = var.pw
  confirm = "Really?"
}
`

func TestPlan(t *testing.T) {
	p := mustLoad(t, planPlaybook, LoadOptions{})
	plan, diags := p.Plan()
	if len(diags) != 0 {
		t.Errorf("diagnostics: %s", diagText(p, diags))
	}
	byID := map[string]PlannedInstance{}
	for _, pi := range plan.Instances {
		byID[pi.ID()] = pi
	}
	known := byID["known@web"]
	if known.Description != "print hello" || known.Args["message"] != `"hello"` || known.Args["items"] != `["a", "b"]` || known.When != "true" {
		t.Errorf("known: %+v", known)
	}
	later := byID["later@web"]
	if later.Description != "" || later.Args["message"] != "(known after run)" || later.Args["count"] != "2" || later.When != "(known after run)" {
		t.Errorf("later: %+v", later)
	}
	if strings.Join(later.DependsOn, ",") != "known@web" {
		t.Errorf("later depends on %v", later.DependsOn)
	}
	secret := byID["secret@local"]
	if secret.Args["message"] != "(sensitive)" || secret.Confirm != "Really?" || strings.Contains(secret.Description, "hunter2") {
		t.Errorf("secret: %+v", secret)
	}
}

func TestWriteDOT(t *testing.T) {
	p := mustLoad(t, planPlaybook, LoadOptions{})
	for _, perHost := range []bool{false, true} {
		var a, b bytes.Buffer
		if err := p.WriteDOT(&a, perHost); err != nil {
			t.Fatal(err)
		}
		if err := p.WriteDOT(&b, perHost); err != nil || a.String() != b.String() {
			t.Fatal("the DOT output is not stable")
		}
		want := `"known" -> "later";`
		if perHost {
			want = `"known@web" -> "later@web";`
		}
		if !strings.Contains(a.String(), want) || !strings.HasPrefix(a.String(), "digraph runbook {\n") {
			t.Errorf("DOT:\n%s", a.String())
		}
		cmd := exec.Command(testenv.Need(t, "dot"), "-Tsvg")
		cmd.Stdin = &a
		if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("<svg")) {
			t.Errorf("dot -Tsvg: %v\n%s", err, out)
		}
	}
}

func TestPlanInRunOrder(t *testing.T) {
	p := mustLoad(t, `
task "echo" "a_last" {
  message = task.z_first.message
}
task "echo" "m_free" {
  message = "m"
}
task "echo" "z_first" {
  message = "z"
}
`, LoadOptions{})
	plan, diags := p.Plan()
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	var ids []string
	for _, pi := range plan.Instances {
		ids = append(ids, pi.ID())
	}
	if got, want := strings.Join(ids, " "), "m_free@local z_first@local a_last@local"; got != want {
		t.Errorf("plan order %s, want %s", got, want)
	}
}

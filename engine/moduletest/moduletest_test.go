package moduletest_test

import (
	"fmt"
	"os/user"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
	_ "github.com/runbookhq/runbook/modules" // registers command, wait_for, …
)

func TestRunLocal(t *testing.T) {
	rep := moduletest.Run(t, `
variable "word" {
  type = string
}
task "command" "say" {
  argv = ["echo", var.word]
}
`, engine.RunOptions{}, "word=hello")
	res := moduletest.Instance(t, rep, "say@local")
	if res.Status != engine.StatusChanged || res.Outputs["stdout"] != "hello" {
		t.Errorf("say: %s, outputs %v", res.Status, res.Outputs)
	}
}

func TestLoadErrorsShowsTheArgument(t *testing.T) {
	got := moduletest.LoadErrors(t, `
task "wait_for" "both" {
  port   = 22
  path   = "/tmp"
  within = "soon"
}
`)
	if !strings.Contains(got, "on main.hcl:5:12") || !strings.Contains(got, `"soon" is not a positive duration`) {
		t.Errorf("diagnostics:\n%s", got)
	}
}

func TestRunOverSSH(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	rep := moduletest.Run(t, fmt.Sprintf(`
host "remote" {
  address       = %q
  port          = %d
  user          = %q
  identity_file = %q
}
task "command" "whoami" {
  on   = host.remote
  argv = ["id", "-un"]
}
`, srv.Host, srv.Port, me.Username, srv.ClientKey.File), engine.RunOptions{Connect: moduletest.SSH(srv.KnownHosts)})
	if res := moduletest.Instance(t, rep, "whoami@remote"); res.Status != engine.StatusChanged || res.Outputs["stdout"] != me.Username {
		t.Errorf("whoami: %s, %v, outputs %v", res.Status, res.Err, res.Outputs)
	}
}

package faulttest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sim"

	_ "github.com/runbookhq/runbook/modules/alation" // registers alation_shell
)

// sudoPasswordPlaybook reads an Alation setting in the Alation shell and
// runs a command as root on both hosts of pair, whose sudo needs no
// password, with the host's sudo_password set.
func sudoPasswordPlaybook(pair *sim.Pair) string {
	src := `
variable "sudo_password" {
  type      = string
  sensitive = true
}
`
	for _, h := range pair.Hosts() {
		src += hostAt(h.Name, h.Address, h.SSHPort, pair.User, pair.KeyPath, "sudo_password = var.sudo_password")
	}
	return src + `
task "alation_shell" "in_line" {
  on  = [host.primary, host.secondary]
  get = "alation.cluster.pg_repl_in_line"
}

task "command" "as_root" {
  on   = [host.primary, host.secondary]
  sudo = true
  cmd  = "id -u"
}
`
}

// TestSudoPasswordNotAskedNeverRuns sets, on a simulated pair whose sudo
// asks for no password, a sudo password that is also a shell command
// creating a file. The Alation shell and the command get only their own
// input: the steps succeed with their usual outputs, the file is created
// on neither host, and the password is in no process's argument vector.
func TestSudoPasswordNotAskedNeverRuns(t *testing.T) {
	pair := sim.StartPair(t, sim.PairOptions{})
	planted := fmt.Sprintf("/tmp/runbook-sudo-password-%016x", rand.Uint64())
	password := "Pw;touch " + planted
	p := load(t, sudoPasswordPlaybook(pair), engine.LoadOptions{Vars: []string{"sudo_password=" + password}})
	watch := watchArgv(password)
	rep, err := runNow(t, p, engine.RunOptions{Connect: sshConnect(pair.KnownHostsPath)})
	seen := watch.stop()
	if err != nil {
		t.Errorf("run: %v", err)
	}
	for _, h := range pair.Hosts() {
		if r := wantStatus(t, rep, "in_line@"+h.Name, engine.StatusOK); r.Outputs["value"] != "True" {
			t.Errorf("in_line@%s: value %v, want True", h.Name, r.Outputs["value"])
		}
		if r := wantStatus(t, rep, "as_root@"+h.Name, engine.StatusChanged); r.Outputs["stdout"] != "0" {
			t.Errorf("as_root@%s: stdout %v, want 0", h.Name, r.Outputs["stdout"])
		}
		out, err := h.Exec(deadline(t), "if [ -e "+planted+" ]; then echo planted; fi")
		if err != nil || out != "" {
			t.Errorf("on the %s: %q, %v: the sudo password ran as a command", h.Name, out, err)
		}
	}
	if procs := seen(password); len(procs) > 0 {
		t.Errorf("the sudo password in the arguments of processes:\n%s", strings.Join(procs, "\n"))
	}
}

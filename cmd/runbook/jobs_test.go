package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/testenv"
)

// TestSecondInterruptAsksToKillJobs interrupts, twice, on a terminal, a
// run whose detached job the first interrupt left running while another
// task went on: the run then asks whether to kill the job. Answered yes,
// the job's process group is killed (its status records TERM); answered
// no, the job goes on.
func TestSecondInterruptAsksToKillJobs(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "needs root: creates a user")
	}
	for _, answer := range []string{"yes", "no"} {
		t.Run(answer, func(t *testing.T) {
			u, home := sshdtest.NewJobUser(t)
			srv := sshdtest.Start(t, sshdtest.Options{})
			playbook := filepath.Join(t.TempDir(), "main.hcl")
			src := fmt.Sprintf(`
host "a" {
  address       = %q
  port          = %d
  user          = %q
  identity_file = %q
}

task "command" "slow" {
  on     = [host.a]
  detach = true
  poll   = "100ms"
  cmd    = "echo started; sleep 600"
}

task "command" "other" {
  on  = [host.a]
  cmd = "echo other; sleep 600"
}
`, srv.Host, srv.Port, u.Name, srv.ClientKey.File)
			if err := os.WriteFile(playbook, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			term := startTerminal(t, sshEnv(), "run", playbook, "--known-hosts", srv.KnownHosts, "--state-dir", t.TempDir())
			term.waitFor("a slow | started")
			term.cmd.Process.Signal(syscall.SIGINT)
			term.waitFor("detached jobs go on")
			term.cmd.Process.Signal(syscall.SIGINT)
			term.waitFor("Type yes to kill them: ")
			if _, err := io.WriteString(term.tty, answer+"\r"); err != nil {
				t.Fatal(err)
			}
			if code := term.wait(); code != exitInterrupted {
				t.Fatalf("exit status %d, want %d:\n%s", code, exitInterrupted, term.output())
			}
			dirs, _ := filepath.Glob(filepath.Join(home, ".runbook", "jobs", "*"))
			if len(dirs) != 1 {
				t.Fatalf("job directories %q, want one", dirs)
			}
			status, _ := os.ReadFile(filepath.Join(dirs[0], "status"))
			if killed := strings.HasSuffix(strings.TrimSpace(string(status)), "TERM"); killed != (answer == "yes") {
				t.Errorf("answered %s: the job's status is %q\n%s", answer, status, term.output())
			}
			if answer == "no" && !strings.Contains(term.output(), "Still running on their hosts") {
				t.Errorf("the recap does not say the job still runs:\n%s", term.output())
			}
		})
	}
}

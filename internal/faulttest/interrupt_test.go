package faulttest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestInterruptCLI interrupts the runbook command while a remote command
// runs that would not end by itself, with one SIGINT (the running tasks
// get their grace period, then are cancelled) and with two (cancelled at
// once). Either way the command exits with status 130 after printing the
// recap of an interrupted run, the remote command is gone from the host,
// and the journal records the run as interrupted with the command cut off
// mid-way. Resuming refuses to run that command again on its own, and
// finishes the job once told to.
func TestInterruptCLI(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	for _, signals := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d SIGINT", signals), func(t *testing.T) {
			t.Parallel()
			user := loginUser(t)
			srv := sshdtest.Start(t, sshdtest.Options{})
			shared, state, mark := sharedDir(t), t.TempDir(), marker()
			release := filepath.Join(shared, "release")
			dir := writeFiles(t, map[string]string{"main.hcl": hostBlock("a", srv, user) + fmt.Sprintf(`
task "command" "long" {
  on  = [host.a]
  cmd = "if [ -e %s ]; then echo released; else sleep %s; fi"
}

task "command" "after" {
  on   = [host.a]
  argv = ["echo", task.long.stdout]
}
`, release, mark)})
			env := cliEnv(t)
			args := []string{"run", filepath.Join(dir, "main.hcl"), "--known-hosts", knownHosts(t, trusting(srv)...), "--state-dir", state}
			c := startCLI(t, env, args...)
			c.waitStdout(t, " a long started")
			waitProcess(t, "sleep "+mark)
			for i := range signals {
				c.signal(t, syscall.SIGINT)
				waitFor(t, "the message about stopping", func() bool { return strings.Count(c.stderr.String(), "stopping") > i })
			}
			code := c.wait(t)

			stdout := c.stdout.String()
			if code != 130 {
				t.Errorf("exit status %d, want 130\nstdout:\n%s\nstderr:\n%s", code, stdout, c.stderr)
			}
			_, recap, ok := strings.Cut(stdout, "Recap")
			if !ok {
				t.Fatalf("no recap:\n%s", stdout)
			}
			wantContains(t, "the recap", recap, "interrupted", "CANCELLED")
			if l := lineWith(recap, " a "); len(strings.Fields(l)) != 7 || strings.Fields(l)[6] != "2" {
				t.Errorf("the recap does not count both instances on a as cancelled:\n%s", recap)
			}
			waitGone(t, "sleep "+mark)
			run := lastRun(t, state)
			if run.State != journal.StateInterrupted {
				t.Errorf("the journal records the run as %s, want %s", run.State, journal.StateInterrupted)
			}
			if long, _ := run.Record("long@a"); !long.CutOff() {
				t.Errorf("the journal does not record long@a as cut off mid-way: %+v", long)
			}

			if err := os.WriteFile(release, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runCLI(t, env, append(args, "--resume")...)
			if code != 2 {
				t.Errorf("resuming: exit status %d, want 2 (refused)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			wantContains(t, "the refusal to resume", stderr, "task long on host a was cut off mid-way", "--force-rerun=long@a")
			stdout, stderr, code = runCLI(t, env, append(args, "--resume", "--force-rerun", "long@a")...)
			if code != 0 {
				t.Errorf("resuming with --force-rerun long@a: exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if run := lastRun(t, state); run.State != journal.StateFinished {
				t.Errorf("the journal records the resumed run as %s, want %s", run.State, journal.StateFinished)
			}
		})
	}
}

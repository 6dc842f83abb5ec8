package faulttest

import (
	"context"
	"fmt"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestTimeoutEndsRemoteCommand runs commands that never end, one alone
// and one as the child of a shell, under a task timeout: each task fails
// as timed out, and no process of either is left on the host.
func TestTimeoutEndsRemoteCommand(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	user := loginUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	alone, child := marker(), marker()
	p := load(t, hostBlock("a", srv, user)+fmt.Sprintf(`
task "command" "alone" {
  on      = [host.a]
  argv    = ["sleep", %q]
  timeout = "1s"
}

task "command" "child" {
  on      = [host.a]
  cmd     = "sleep %s; echo never"
  timeout = "1s"
}

task "command" "after" {
  on   = [host.a]
  argv = ["echo", task.alone.stdout, task.child.stdout]
}
`, alone, child), engine.LoadOptions{})
	rep, err := runNow(t, p, engine.RunOptions{Connect: sshConnect(knownHosts(t, trusting(srv)...))})

	wantErr(t, "the run", err, engine.ErrTaskFailed)
	for _, id := range []string{"alone@a", "child@a"} {
		res := wantStatus(t, rep, id, engine.StatusFailed)
		wantErr(t, id, res.Err, context.DeadlineExceeded)
		if res.Err != nil {
			wantContains(t, "the error of "+id, res.Err.Error(), "host a", "timed out after 1s")
		}
	}
	wantStatus(t, rep, "after@a", engine.StatusSkipped)
	waitGone(t, "sleep "+alone)
	waitGone(t, "sleep "+child)
}

package modules_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// initScript is an LSB init script of a service that sleeps, keeping its
// pid in /run/rbtest-svc.pid.
const initScript = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          rbtest-svc
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: a service the runbook tests start and stop
### END INIT INFO
PID=/run/rbtest-svc.pid
running() { [ -f $PID ] && kill -0 "$(cat $PID)" 2>/dev/null; }
case "$1" in
start) running && exit 0; sleep 3600 >/dev/null 2>&1 </dev/null & echo $! >$PID ;;
stop) if running; then kill "$(cat $PID)"; fi; rm -f $PID ;;
restart) "$0" stop; "$0" start ;;
status) running || exit 3 ;;
*) exit 2 ;;
esac
`

// serviceTasks installs the init script and brings the service to
// var.state and var.enabled on host.box.
const serviceTasks = `
variable "state" {
  type = string
}
variable "enabled" {
  type = bool
}
task "copy" "script" {
  on      = host.box
  sudo    = true
  dest    = "/etc/init.d/rbtest-svc"
  content = var.script
  mode    = "0755"
}
task "service" "svc" {
  on         = host.box
  sudo       = true
  name       = "rbtest-svc"
  state      = var.state
  enabled    = var.enabled
  depends_on = [task.script]
}
variable "script" {
  type = string
}
`

func TestServiceThroughItsInitScriptOnAnOverlayRoot(t *testing.T) {
	srv, _, block, opts := sudoHost(t, sshdtest.Options{OverlayRoot: true})
	upper := filepath.Join(srv.Dir, "upper")
	t.Cleanup(func() { // the daemon outlives sshd: end it
		if b, err := os.ReadFile(filepath.Join(upper, "run", "rbtest-svc.pid")); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	run := func(name, state string, enabled, check bool, want engine.Status, running bool) {
		t.Helper()
		o := opts
		o.Check = check
		rep := moduletest.Run(t, block+serviceTasks, o, "state="+state, "enabled="+strconv.FormatBool(enabled), "script="+initScript)
		res := moduletest.Instance(t, rep, "svc@box")
		if res.Status != want {
			t.Fatalf("%s: %s (%v), want %s", name, res.Status, res.Err, want)
		}
		if !check && (res.Outputs["running"] != running || res.Outputs["enabled"] != enabled || res.Outputs["manager"] != "sysv") {
			t.Errorf("%s: outputs %v", name, res.Outputs)
		}
	}
	run("install the script", "stopped", false, false, engine.StatusOK, false)
	run("check a start", "started", true, true, engine.StatusChanged, false)
	run("check did not start it", "stopped", false, false, engine.StatusOK, false)
	run("start and enable", "started", true, false, engine.StatusChanged, true)
	run("start again", "started", true, false, engine.StatusOK, true)
	run("restart", "restarted", true, false, engine.StatusChanged, true)
	run("stop and disable", "stopped", false, false, engine.StatusChanged, false)
	run("stop again", "stopped", false, false, engine.StatusOK, false)
}

package modules_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// sudoHost starts a real sshd with opts and a user that may run anything
// with sudo after giving its password. It returns the server, the user,
// the host block of "box" that logs in as that user with that password as
// its sudo password, and the run options that reach it over SSH.
func sudoHost(t *testing.T, opts sshdtest.Options) (*sshdtest.Server, sshdtest.User, string, engine.RunOptions) {
	t.Helper()
	u := sshdtest.NewSudoUser(t) // before sshd starts, so that an overlay root holds it
	srv := sshdtest.Start(t, opts)
	block := fmt.Sprintf(`
host "box" {
  address       = %q
  port          = %d
  user          = %q
  identity_file = %q
  sudo_password = %q
}
`, srv.Host, srv.Port, u.Name, srv.ClientKey.File, u.Password)
	return srv, u, block, engine.RunOptions{Connect: moduletest.SSH(srv.KnownHosts)}
}

// wantStatuses fails the test unless each task of rep ended as want
// says, by task name.
func wantStatuses(t *testing.T, run string, rep *engine.Report, want map[string]engine.Status) {
	t.Helper()
	for _, res := range rep.Instances {
		if s, ok := want[res.Task]; !ok || res.Status != s {
			t.Errorf("%s: %s ended %s (%v), want %q", run, res.ID(), res.Status, res.Err, s)
		}
	}
}

// TestLoginBannerLeavesFileTasksAlone gives the host's user a login shell
// that prints a banner on standard output before every command, as a
// start-up file may: the file modules read the host's answers without
// it, so they change what they should, and nothing on a second run.
func TestLoginBannerLeavesFileTasksAlone(t *testing.T) {
	_, u, block, opts := sudoHost(t, sshdtest.Options{})
	u.SetLoginShell(t, "echo 'Welcome to box, where every login is logged'")
	dir := sshdtest.SharedDir(t, "runbook-banner-", 0o777)
	playbook := block + onBox(`
variable "dir" {
  type = string
}
task "copy" "new" {
  dest    = "${var.dir}/new"
  content = "x\n"
  mode    = "0640"
}
task "lineinfile" "line" {
  path   = "${var.dir}/lines"
  line   = "two"
  create = true
}
task "file" "dir" {
  path  = "${var.dir}/sub"
  state = "directory"
}
`)
	rep := moduletest.Run(t, playbook, opts, "dir="+dir)
	wantStatuses(t, "first run", rep, map[string]engine.Status{"new": engine.StatusChanged, "line": engine.StatusChanged, "dir": engine.StatusChanged})
	checkFile(t, filepath.Join(dir, "new"), "x\n", 0o640)
	rep = moduletest.Run(t, playbook, opts, "dir="+dir)
	wantStatuses(t, "second run", rep, map[string]engine.Status{"new": engine.StatusOK, "line": engine.StatusOK, "dir": engine.StatusOK})
}

package modules_test

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// asOwnerTasks writes, as var.owner through sudo_user, in a directory only
// that user may enter.
const asOwnerTasks = `
variable "dir" {
  type = string
}
variable "owner" {
  type = string
}
task "file" "conf" {
  on        = host.box
  sudo_user = var.owner
  path      = "${var.dir}/conf"
  state     = "directory"
  mode      = "0750"
}
task "lineinfile" "setting" {
  on         = host.box
  sudo_user  = var.owner
  path       = "${var.dir}/conf/app.ini"
  line       = "port = 8080"
  create     = true
  depends_on = [task.conf]
}
task "blockinfile" "peers" {
  on         = host.box
  sudo_user  = var.owner
  path       = "${var.dir}/conf/peers"
  block      = "10.0.0.2 db2\n"
  create     = true
  depends_on = [task.conf]
}
`

// TestEverydayModulesAsSudoUser runs file, lineinfile and blockinfile
// over real sshd with sudo_user: they reach a directory that only that
// user may enter, what they make is that user's, check mode predicts the
// first run and changes nothing, and a second run changes nothing.
func TestEverydayModulesAsSudoUser(t *testing.T) {
	_, _, block, opts := sudoHost(t, sshdtest.Options{})
	owner := sshdtest.NewUser(t)
	acct, err := user.Lookup(owner.Name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(acct.Uid)
	gid, _ := strconv.Atoi(acct.Gid)
	parent, err := os.MkdirTemp("", "runbook-sudo-user-") // t.TempDir's parent is root's alone
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "owned")
	mustMkdir(t, dir, 0o700)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	src := block + asOwnerTasks
	vars := []string{"dir=" + dir, "owner=" + owner.Name}
	all := func(s engine.Status) map[string]engine.Status {
		return map[string]engine.Status{"conf": s, "setting": s, "peers": s}
	}

	opts.Check = true
	wantStatuses(t, "check", moduletest.Run(t, src, opts, vars...), all("changed"))
	if _, err := os.Stat(filepath.Join(dir, "conf")); !os.IsNotExist(err) {
		t.Fatalf("check mode changed the host: %v", err)
	}
	opts.Check = false
	wantStatuses(t, "first run", moduletest.Run(t, src, opts, vars...), all("changed"))
	for _, p := range []string{"conf", "conf/app.ini", "conf/peers"} {
		if got := ownerOf(t, filepath.Join(dir, p)); got != owner.Name {
			t.Errorf("%s is owned by %s, want %s", p, got, owner.Name)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "conf", "app.ini")); err != nil || !strings.Contains(string(b), "port = 8080\n") {
		t.Errorf("app.ini: %q, %v", b, err)
	}
	wantStatuses(t, "second run", moduletest.Run(t, src, opts, vars...), all("ok"))
	opts.Check = true
	wantStatuses(t, "check after the run", moduletest.Run(t, src, opts, vars...), all("ok"))
}

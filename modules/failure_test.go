package modules_test

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestRefusedCommandsChangeNothing runs, as a plain user over SSH, tasks
// whose command the host refuses for want of root: each fails saying
// what it did on which host, and none reports a change, since none
// happened.
func TestRefusedCommandsChangeNothing(t *testing.T) {
	_, _, block, opts := sudoHost(t, sshdtest.Options{})
	name := fmt.Sprintf("rbf%06d", rand.IntN(1000000))
	t.Cleanup(func() { // should the host have obeyed
		_ = exec.Command("userdel", name).Run()
		_ = exec.Command("groupdel", name).Run()
	})
	dir := sshdtest.SharedDir(t, "runbook-refused-", 0o755)
	archives := t.TempDir()
	writeArchives(t, archives)
	rep := moduletest.Run(t, block+onBox(`
variable "name" {
  type = string
}
variable "dir" {
  type = string
}
variable "archive" {
  type = string
}
task "group" "team" {
  name = var.name
}
task "user" "member" {
  name = var.name
}
task "get_url" "tool" {
  url    = "http://127.0.0.1:1/tool"
  dest   = "${var.dir}/tool"
  sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
}
task "unarchive" "app" {
  src     = var.archive
  dest    = "${var.dir}/opt"
  creates = "${var.dir}/opt/app/VERSION"
}
`), opts, "name="+name, "dir="+dir, "archive="+filepath.Join(archives, "app.tar.gz"))
	for task, what := range map[string]string{"team": "groupadd " + name + " on box", "member": "useradd " + name + " on box", "tool": "download " + dir + "/tool on box", "app": "extract " + filepath.Join(archives, "app.tar.gz") + " on box"} {
		res := moduletest.Instance(t, rep, task+"@box")
		if res.Status != engine.StatusFailed || res.Changed || res.Err == nil || !strings.Contains(res.Err.Error(), what) {
			t.Errorf("%s: %s, changed %v: %v; want a failure without a change, saying %q", task, res.Status, res.Changed, res.Err, what)
		}
	}
}

package modules_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// appRole is a role that writes a configuration file per host and
// checks it; the check fails on the host named by var.broken.
const appRole = `
variable "root" {
  type = string
}
variable "port" {
  type = number
}
variable "broken" {
  type    = string
  default = ""
}
task "file" "dir" {
  path  = "${var.root}/${self.name}"
  state = "directory"
}
task "copy" "conf" {
  dest       = "${var.root}/${self.name}/app.ini"
  content    = "port = ${var.port}\n"
  depends_on = [task.dir]
}
task "command" "check" {
  cmd        = "grep -qx 'port = ${var.port}' ${var.root}/${self.name}/app.ini && test ${self.name} != '${var.broken}'"
  depends_on = [task.conf]
}
output "conf" {
  value = task.conf.dest
  type  = string
}
`

// TestRolesOverSSH runs, on six hosts served by two real sshd, a role used
// twice with different inputs: once on all six hosts two at a time, where
// the check fails on h3, and once on h1 and h2. The batches follow one
// another (checked from the events), the third does not start after the
// failure in the second, and each use of the role writes its own files.
func TestRolesOverSSH(t *testing.T) {
	servers := []*sshdtest.Server{sshdtest.Start(t, sshdtest.Options{}), sshdtest.Start(t, sshdtest.Options{})}
	u := sshdtest.NewUser(t)
	parent, err := os.MkdirTemp("", "runbook-roles-") // t.TempDir's parent is root's alone
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(parent, "srv")
	mustMkdir(t, root, 0o755)
	if out, err := exec.Command("chown", u.Name, root).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	var site strings.Builder
	for i := 1; i <= 6; i++ {
		srv := servers[i%2]
		fmt.Fprintf(&site, "host \"h%d\" {\n  address = %q\n  port = %d\n  user = %q\n  identity_file = %q\n}\n", i, srv.Host, srv.Port, u.Name, srv.ClientKey.File)
	}
	fmt.Fprintf(&site, `
role "web" {
  source = "./roles/app"
  on     = [host.h1, host.h2, host.h3, host.h4, host.h5, host.h6]
  batch  = 2
  root   = "%[1]s/web"
  port   = 8080
  broken = "h3"
}
role "api" {
  source = "./roles/app"
  on     = [host.h1, host.h2]
  root   = "%[1]s/api"
  port   = 9090
}
task "command" "read" {
  on   = host.h1
  argv = ["cat", role.web.conf, role.api.conf]
}
`, root)
	dir := t.TempDir()
	for name, content := range map[string]string{"site.hcl": site.String(), "roles/app/main.hcl": appRole} {
		mustMkdir(t, filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, use := range []string{"web", "api"} {
		mustMkdir(t, filepath.Join(root, use), 0o755)
		if out, err := exec.Command("chown", u.Name, filepath.Join(root, use)).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v: %s", err, out)
		}
	}
	knownHosts := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(knownHosts, []byte(servers[0].KnownHostsLine()+"\n"+servers[1].KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, diags := engine.Load(filepath.Join(dir, "site.hcl"), engine.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var events []engine.Event
	rep, err := engine.Run(context.Background(), p, engine.RunOptions{
		Connect:     moduletest.SSH(knownHosts),
		Subscribers: []engine.Subscriber{engine.SubscriberFunc(func(e engine.Event) { events = append(events, e) })},
	})
	if rep == nil {
		t.Fatalf("the run does not start: %v", err)
	}
	batchOf := map[string]int{"h1": 0, "h2": 0, "h3": 1, "h4": 1, "h5": 2, "h6": 2}
	lastEnd := map[int]int{}
	for i, e := range events {
		if e.Kind == engine.EventTaskFinished && strings.HasPrefix(e.Task, "role.web.") {
			lastEnd[batchOf[e.Host]] = i
		}
	}
	for i, e := range events {
		if e.Kind == engine.EventTaskStarted && strings.HasPrefix(e.Task, "role.web.") {
			if k := batchOf[e.Host]; k > 0 && i < lastEnd[k-1] {
				t.Errorf("%s on %s started (event %d) before batch %d ended (event %d)", e.Task, e.Host, i, k, lastEnd[k-1])
			}
		}
	}
	for _, task := range []string{"dir", "conf", "check"} {
		for host, k := range batchOf {
			res := moduletest.Instance(t, rep, "role.web.task."+task+"@"+host)
			switch {
			case k == 2 && (res.Status != engine.StatusSkipped || res.Reason != engine.ReasonBatchStopped):
				t.Errorf("%s: %s, reason %q; want not started", res.ID(), res.Status, res.Reason)
			case k < 2 && host != "h3" && res.Status != engine.StatusChanged && res.Status != engine.StatusOK:
				t.Errorf("%s: %s (%v)", res.ID(), res.Status, res.Err)
			}
		}
	}
	if res := moduletest.Instance(t, rep, "role.web.task.check@h3"); res.Status != engine.StatusFailed {
		t.Errorf("check@h3: %s", res.Status)
	}
	for _, path := range []string{"web/h4/app.ini", "api/h2/app.ini"} {
		if _, err := os.Stat(filepath.Join(root, path)); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "web/h5")); !os.IsNotExist(err) {
		t.Errorf("the stopped batch of h5 made its directory: %v", err)
	}
	if res := moduletest.Instance(t, rep, "read@h1"); res.Outputs["stdout"] != "port = 8080\nport = 9090" {
		t.Errorf("read@h1: %s, stdout %q (%v)", res.Status, res.Outputs["stdout"], res.Err)
	}
}

package modules_test

import (
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

// editTasks edits var.dir/sshd_config and var.dir/hosts on host.box.
const editTasks = `
variable "dir" {
  type = string
}
task "lineinfile" "port" {
  on     = host.box
  sudo   = true
  path   = "${var.dir}/sshd_config"
  regexp = "^#?Port "
  line   = "Port 2222"
  backup = true
}
task "lineinfile" "banner" {
  on           = host.box
  sudo         = true
  path         = "${var.dir}/sshd_config"
  line         = "Banner /etc/issue"
  insert_after = "^Port "
  depends_on   = [task.port]
}
task "lineinfile" "no_root" {
  on     = host.box
  sudo   = true
  path   = "${var.dir}/sshd_config"
  regexp = "^PermitRootLogin"
  state  = "absent"
  depends_on = [task.banner]
}
task "blockinfile" "peers" {
  on     = host.box
  sudo   = true
  path   = "${var.dir}/hosts"
  block  = "10.0.0.2 db2\n10.0.0.3 db3\n"
}
task "lineinfile" "new" {
  on     = host.box
  sudo   = true
  path   = "${var.dir}/new.conf"
  line   = "enabled = true"
  create = true
  mode   = "0600"
}
`

func TestEditOverSSHWithSudo(t *testing.T) {
	_, _, block, opts := sudoHost(t, sshdtest.Options{})
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil { // only root can write it: the tasks need sudo
		t.Fatal(err)
	}
	owner := sshdtest.NewUser(t)
	conf := filepath.Join(dir, "sshd_config")
	mustWrite(t, conf, "#Port 22\nPermitRootLogin yes\nUsePAM yes\n", 0o640)
	chown(t, conf, owner.Name)
	hosts := filepath.Join(dir, "hosts")
	mustWrite(t, hosts, "127.0.0.1 localhost\n# BEGIN RUNBOOK MANAGED BLOCK\n10.0.0.9 old\n# END RUNBOOK MANAGED BLOCK\n::1 localhost", 0o644)
	src := block + editTasks
	vars := []string{"dir=" + dir}

	opts.Check, opts.Diff = true, true
	check := moduletest.Run(t, src, opts, vars...)
	wantStatuses(t, "check", check, map[string]engine.Status{"port": "changed", "banner": "changed", "no_root": "changed", "peers": "changed", "new": "changed"})
	checkFile(t, conf, "#Port 22\nPermitRootLogin yes\nUsePAM yes\n", 0o640)
	if _, err := os.Stat(filepath.Join(dir, "new.conf")); err == nil {
		t.Error("check mode created new.conf")
	}
	wantDiff := "@@ -1,3 +1,3 @@\n-#Port 22\n+Port 2222\n PermitRootLogin yes\n UsePAM yes\n"
	if d := moduletest.Instance(t, check, "port@box").Diffs; len(d) != 1 || !strings.HasSuffix(d[0].Diff, wantDiff) {
		t.Errorf("check: port: diffs %+v, want one ending\n%s", d, wantDiff)
	}

	opts.Check = false
	first := moduletest.Run(t, src, opts, vars...)
	wantStatuses(t, "first run", first, map[string]engine.Status{"port": "changed", "banner": "changed", "no_root": "changed", "peers": "changed", "new": "changed"})
	checkFile(t, conf, "Port 2222\nBanner /etc/issue\nUsePAM yes\n", 0o640)
	if got := ownerOf(t, conf); got != owner.Name {
		t.Errorf("sshd_config is owned by %s after the edit, want %s (kept)", got, owner.Name)
	}
	checkFile(t, hosts, "127.0.0.1 localhost\n# BEGIN RUNBOOK MANAGED BLOCK\n10.0.0.2 db2\n10.0.0.3 db3\n# END RUNBOOK MANAGED BLOCK\n::1 localhost\n", 0o644)
	checkFile(t, filepath.Join(dir, "new.conf"), "enabled = true\n", 0o600)
	backup, _ := moduletest.Instance(t, first, "port@box").Outputs["backup"].(string)
	if !strings.HasPrefix(backup, conf+".") {
		t.Errorf("port: backup output %q", backup)
	} else {
		checkFile(t, backup, "#Port 22\nPermitRootLogin yes\nUsePAM yes\n", 0o640)
	}

	second := moduletest.Run(t, src, opts, vars...)
	wantStatuses(t, "second run", second, map[string]engine.Status{"port": "ok", "banner": "ok", "no_root": "ok", "peers": "ok", "new": "ok"})
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("the directory holds %d entries after a second run, want 4 (one backup)", len(entries))
	}
}

func TestBlockInFileAbsentAndMissingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	mustWrite(t, path, "a\n# BEGIN RUNBOOK MANAGED BLOCK\nx\n# END RUNBOOK MANAGED BLOCK\nb\n", 0o644)
	src := `
variable "dir" {
  type = string
}
task "blockinfile" "gone" {
  path  = "${var.dir}/f"
  state = "absent"
}
task "lineinfile" "missing" {
  path = "${var.dir}/missing"
  line = "x"
}
task "lineinfile" "missing_absent" {
  path  = "${var.dir}/missing"
  line  = "x"
  state = "absent"
}
`
	rep := moduletest.Run(t, src, engine.RunOptions{}, "dir="+dir)
	wantStatuses(t, "run", rep, map[string]engine.Status{"gone": "changed", "missing": "failed", "missing_absent": "ok"})
	checkFile(t, path, "a\nb\n", 0o644)
	if res := moduletest.Instance(t, rep, "missing@local"); res.Err == nil || !strings.Contains(res.Err.Error(), "set create = true") {
		t.Errorf("missing: %v", res.Err)
	}
}

func TestEditValidate(t *testing.T) {
	for _, task := range []string{
		`task "lineinfile" "x" {
  path = "relative"
  line = "x"
}`,
		`task "lineinfile" "x" {
  path = "/etc/x"
}`,
		`task "lineinfile" "x" {
  path = "/etc/x"
  line = "two\nlines"
}`,
		`task "lineinfile" "x" {
  path   = "/etc/x"
  line   = "x"
  regexp = "("
}`,
		`task "blockinfile" "x" {
  path   = "/etc/x"
  marker = "# managed"
}`,
	} {
		moduletest.LoadErrors(t, task)
	}
}

// chown makes user the owner of path.
func chown(t *testing.T, path, user string) {
	t.Helper()
	if out, err := exec.Command("chown", user, path).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
}

// TestEditsOfOneFileOneAtATime adds a line per key of a for_each to one
// file over SSH: the instances run at once, yet every line is there,
// since edits of one file on one host wait for each other.
func TestEditsOfOneFileOneAtATime(t *testing.T) {
	_, _, block, opts := sudoHost(t, sshdtest.Options{})
	dir := sshdtest.SharedDir(t, "runbook-edits-", 0o777)
	var keys []string
	for i := range 12 {
		keys = append(keys, fmt.Sprintf("%q", fmt.Sprintf("user%02d", i)))
	}
	rep := moduletest.Run(t, block+onBox(`
variable "dir" {
  type = string
}
task "lineinfile" "users" {
  for_each = toset([`+strings.Join(keys, ", ")+`])
  path     = "${var.dir}/users"
  line     = each.key
  create   = true
}
task "blockinfile" "blocks" {
  for_each = toset([`+strings.Join(keys, ", ")+`])
  path     = "${var.dir}/users"
  marker   = "# {mark} ${each.key}"
  block    = "block of ${each.key}"
  depends_on = [task.users]
}
`), opts, "dir="+dir)
	for _, res := range rep.Instances {
		if res.Status != engine.StatusChanged {
			t.Errorf("%s: %s (%v)", res.ID(), res.Status, res.Err)
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, "users"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		k = strings.Trim(k, `"`)
		if !strings.Contains(string(got), "\n"+k+"\n") && !strings.HasPrefix(string(got), k+"\n") || !strings.Contains(string(got), "block of "+k+"\n") {
			t.Errorf("%s is missing from the file:\n%s", k, got)
		}
	}
}

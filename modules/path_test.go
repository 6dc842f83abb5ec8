package modules_test

import (
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// fileTasks is a playbook of file tasks under var.dir, on host.box.
const fileTasks = `
variable "dir" {
  type = string
}
variable "owner" {
  type = string
}
task "file" "conf" {
  on      = host.box
  sudo    = true
  path    = "${var.dir}/conf"
  state   = "directory"
  mode    = "0750"
  owner   = var.owner
  group   = var.owner
  recurse = true
}
task "file" "flag" {
  on    = host.box
  sudo  = true
  path  = "${var.dir}/flag"
  state = "file"
  mode  = "0600"
  owner = var.owner
}
task "file" "current" {
  on    = host.box
  sudo  = true
  path  = "${var.dir}/current"
  state = "link"
  src   = "${var.dir}/conf"
}
task "file" "old" {
  on    = host.box
  sudo  = true
  path  = "${var.dir}/old"
  state = "absent"
}
`

// ownerOf returns the user name that owns path.
func ownerOf(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := user.LookupId(strconv.FormatUint(uint64(fi.Sys().(*syscall.Stat_t).Uid), 10))
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

func TestFileOverSSHWithSudo(t *testing.T) {
	_, u, block, opts := sudoHost(t, sshdtest.Options{})
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil { // only root can change it: the tasks need sudo
		t.Fatal(err)
	}
	mustMkdir(t, filepath.Join(dir, "conf", "sub"), 0o755)
	mustWrite(t, filepath.Join(dir, "conf", "sub", "data"), "x", 0o644)
	mustMkdir(t, filepath.Join(dir, "old", "deep"), 0o755)
	src := block + fileTasks
	vars := []string{"dir=" + dir, "owner=" + u.Name}

	opts.Check, opts.Diff = true, true
	check := moduletest.Run(t, src, opts, vars...)
	wantStatuses(t, "check", check, map[string]engine.Status{"conf": "changed", "flag": "changed", "current": "changed", "old": "changed"})
	if _, err := os.Stat(filepath.Join(dir, "old")); err != nil || ownerOf(t, filepath.Join(dir, "conf")) != "root" {
		t.Fatalf("check mode changed the host: %v", err)
	}
	conf := moduletest.Instance(t, check, "conf@box").Diffs
	if len(conf) != 1 || !strings.Contains(attributesText(conf[0].Attributes), "mode 0755 → 0750; owner root → "+u.Name) {
		t.Errorf("check: diffs of conf %+v", conf)
	}

	opts.Check = false
	first := moduletest.Run(t, src, opts, vars...)
	wantStatuses(t, "first run", first, map[string]engine.Status{"conf": "changed", "flag": "changed", "current": "changed", "old": "changed"})
	for _, p := range []string{"conf", "conf/sub", "conf/sub/data", "flag"} {
		if got := ownerOf(t, filepath.Join(dir, p)); got != u.Name {
			t.Errorf("%s is owned by %s, want %s", p, got, u.Name)
		}
	}
	checkMode(t, filepath.Join(dir, "conf"), 0o750)
	checkMode(t, filepath.Join(dir, "conf", "sub", "data"), 0o750)
	checkMode(t, filepath.Join(dir, "flag"), 0o600)
	if target, err := os.Readlink(filepath.Join(dir, "current")); err != nil || target != filepath.Join(dir, "conf") {
		t.Errorf("current links to %q (%v)", target, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "old")); !os.IsNotExist(err) {
		t.Errorf("old is still there: %v", err)
	}
	if out := moduletest.Instance(t, first, "flag@box").Outputs; out["state"] != "file" || out["mode"] != "0600" || out["owner"] != u.Name {
		t.Errorf("flag: outputs %v", out)
	}

	second := moduletest.Run(t, src, opts, vars...)
	wantStatuses(t, "second run", second, map[string]engine.Status{"conf": "ok", "flag": "ok", "current": "ok", "old": "ok"})
	opts.Check = true
	again := moduletest.Run(t, src, opts, vars...)
	wantStatuses(t, "check after the run", again, map[string]engine.Status{"conf": "ok", "flag": "ok", "current": "ok", "old": "ok"})
}

func TestFileRefusesToReplaceAnotherKind(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "x"), "data", 0o644)
	rep := moduletest.Run(t, `
variable "dir" {
  type = string
}
task "file" "x" {
  path  = "${var.dir}/x"
  state = "directory"
}
`, engine.RunOptions{}, "dir="+dir)
	if res := moduletest.Instance(t, rep, "x@local"); res.Status != engine.StatusFailed || !strings.Contains(res.Err.Error(), "is a file, not a directory") {
		t.Errorf("x: %s, %v", res.Status, res.Err)
	}
	checkFile(t, filepath.Join(dir, "x"), "data", 0o644)
}

func TestFileValidate(t *testing.T) {
	for _, body := range []string{
		`path = "relative"`,
		`path = "/"`,
		`path = "/tmp/x"
  state = "fifo"`,
		`path = "/tmp/x"
  state = "link"`,
		`path = "/tmp/x"
  src = "/etc"`,
		`path = "/tmp/x"
  owner = "-rf"`,
		`path = "/tmp/x"
  state = "absent"
  mode = "0644"`,
		`path = "/tmp/x"
  recurse = true`,
	} {
		moduletest.LoadErrors(t, "task \"file\" \"x\" {\n  "+body+"\n}\n")
	}
}

// attributesText renders attributes as "name before → after; …".
func attributesText(attrs []engine.Attribute) string {
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = a.Name + " " + a.Before + " → " + a.After
	}
	return strings.Join(parts, "; ")
}

func checkMode(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
		t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, mode)
	}
}

func mustMkdir(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(path, mode); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// TestFileFailureChangesNothing runs, as a plain user over SSH, file
// tasks whose command fails on a directory only root may write: each
// fails naming the host, the path and what the command said, and none
// reports a change, since none happened.
func TestFileFailureChangesNothing(t *testing.T) {
	_, _, block, opts := sudoHost(t, sshdtest.Options{})
	dir := sshdtest.SharedDir(t, "runbook-file-fail-", 0o755)
	mustWrite(t, filepath.Join(dir, "mine"), "x", 0o644)
	rep := moduletest.Run(t, block+onBox(`
variable "dir" {
  type = string
}
task "file" "link" {
  path  = "${var.dir}/current"
  state = "link"
  src   = "/etc"
}
task "file" "directory" {
  path  = "${var.dir}/sub"
  state = "directory"
}
task "file" "file" {
  path  = "${var.dir}/new"
  state = "file"
}
task "file" "mode" {
  path = "${var.dir}/mine"
  mode = "0600"
}
`), opts, "dir="+dir)
	for task, what := range map[string]string{"link": "link " + dir + "/current on box", "directory": "create " + dir + "/sub on box", "file": "create " + dir + "/new on box", "mode": "set the mode of " + dir + "/mine on box"} {
		res := moduletest.Instance(t, rep, task+"@box")
		if res.Status != engine.StatusFailed || res.Changed || res.Err == nil || !strings.Contains(res.Err.Error(), what) || !strings.Contains(res.Err.Error(), "ermission denied") && !strings.Contains(res.Err.Error(), "not permitted") {
			t.Errorf("%s: %s, changed %v: %v; want a failure without a change, saying %q and why", task, res.Status, res.Changed, res.Err, what)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "current")); !os.IsNotExist(err) {
		t.Errorf("the link was made: %v", err)
	}
}

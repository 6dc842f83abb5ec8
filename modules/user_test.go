package modules_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// userTasks keeps the group var.name and the user var.name, in it, with
// var.shell and var.key, on host.box.
const userTasks = `
variable "name" {
  type = string
}
variable "shell" {
  type = string
}
variable "home" {
  type = string
}
variable "key" {
  type = string
}
task "group" "team" {
  on    = host.box
  sudo  = true
  name  = var.name
}
task "user" "member" {
  on              = host.box
  sudo            = true
  name            = var.name
  group           = var.name
  groups          = ["users"]
  shell           = var.shell
  home            = var.home
  authorized_keys = [var.key]
  depends_on      = [task.team]
}
`

// removeTasks removes the user var.name, then its group.
const removeTasks = `
variable "name" {
  type = string
}
task "user" "member" {
  on          = host.box
  sudo        = true
  name        = var.name
  state       = "absent"
  remove_home = true
}
task "group" "team" {
  on         = host.box
  sudo       = true
  name       = var.name
  state      = "absent"
  depends_on = [task.member]
}
`

func TestUserAndGroupOverSSHWithSudo(t *testing.T) {
	_, _, block, opts := sudoHost(t, sshdtest.Options{})
	name := fmt.Sprintf("rbu%06d", rand.IntN(1000000))
	t.Cleanup(func() { // whatever the test reached
		_ = exec.Command("userdel", "-r", name).Run()
		_ = exec.Command("groupdel", name).Run()
	})
	base, err := os.MkdirTemp("", "runbook-user-") // not t.TempDir: the user must reach its home
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(base, "home")
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtest runbook-test"
	run := func(what, shell string, check bool, team, member engine.Status) *engine.Report {
		t.Helper()
		o := opts
		o.Check, o.Diff = check, true
		rep := moduletest.Run(t, block+userTasks, o, "name="+name, "shell="+shell, "home="+home, "key="+key)
		wantStatuses(t, what, rep, map[string]engine.Status{"team": team, "member": member})
		return rep
	}
	remove := func(what string, want engine.Status) {
		t.Helper()
		rep := moduletest.Run(t, block+removeTasks, opts, "name="+name)
		// userdel removes the user's group of the same name with it
		wantStatuses(t, what, rep, map[string]engine.Status{"team": engine.StatusOK, "member": want})
	}
	run("check a new user", "/bin/sh", true, engine.StatusChanged, engine.StatusChanged)
	if exec.Command("getent", "passwd", name).Run() == nil {
		t.Fatal("check mode created the user")
	}
	first := run("create", "/bin/sh", false, engine.StatusChanged, engine.StatusChanged)
	out := moduletest.Instance(t, first, "member@box").Outputs
	if out["home"] != home || out["shell"] != "/bin/sh" || fmt.Sprint(out["groups"]) != "["+name+" users]" {
		t.Errorf("member: outputs %v", out)
	}
	keys, err := os.ReadFile(filepath.Join(home, ".ssh", "authorized_keys"))
	if err != nil || string(keys) != key+"\n" {
		t.Errorf("authorized_keys holds %q (%v)", keys, err)
	}
	if got := ownerOf(t, filepath.Join(home, ".ssh", "authorized_keys")); got != name {
		t.Errorf("authorized_keys is owned by %s", got)
	}
	run("again", "/bin/sh", false, engine.StatusOK, engine.StatusOK)
	run("check a new shell", "/bin/bash", true, engine.StatusOK, engine.StatusChanged)
	run("a new shell", "/bin/bash", false, engine.StatusOK, engine.StatusChanged)
	remove("remove", engine.StatusChanged)
	if exec.Command("getent", "passwd", name).Run() == nil || exec.Command("getent", "group", name).Run() == nil {
		t.Error("the user or its group is still there")
	}
	if _, err := os.Stat(home); err == nil {
		t.Error("the home directory is still there")
	}
	remove("remove again", engine.StatusOK)
}

func TestGroupGIDAndRemoval(t *testing.T) {
	name := fmt.Sprintf("rbg%06d", rand.IntN(1000000))
	t.Cleanup(func() { _ = exec.Command("groupdel", name).Run() })
	gid := 42000 + rand.IntN(1000)
	run := func(what, state string, gid int, want engine.Status) engine.InstanceResult {
		t.Helper()
		rep := moduletest.Run(t, fmt.Sprintf(`
task "group" "g" {
  name  = %q
  state = %q
  gid   = %d
}
`, name, state, gid), engine.RunOptions{})
		res := moduletest.Instance(t, rep, "g@local")
		if res.Status != want {
			t.Fatalf("%s: %s (%v), want %s", what, res.Status, res.Err, want)
		}
		return res
	}
	if res := run("create", "present", gid, engine.StatusChanged); fmt.Sprint(res.Outputs["gid"]) != fmt.Sprint(gid) {
		t.Errorf("create: outputs %v, want gid %d", res.Outputs, gid)
	}
	run("again", "present", gid, engine.StatusOK)
	if res := run("a new gid", "present", gid+1, engine.StatusChanged); fmt.Sprint(res.Outputs["gid"]) != fmt.Sprint(gid+1) {
		t.Errorf("a new gid: outputs %v", res.Outputs)
	}
	run("remove", "absent", gid+1, engine.StatusChanged)
	run("remove again", "absent", gid+1, engine.StatusOK)
}

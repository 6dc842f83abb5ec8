package modules_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// getTask downloads var.url to var.dest on host.box, as var.owner.
const getTask = `
variable "url" {
  type = string
}
variable "dest" {
  type = string
}
variable "sum" {
  type = string
}
variable "owner" {
  type = string
}
task "get_url" "tool" {
  on     = host.box
  sudo   = true
  url    = var.url
  dest   = var.dest
  sha256 = var.sum
  mode   = "0750"
  owner  = var.owner
}
`

func TestGetURLOverSSHWithSudo(t *testing.T) {
	const body = "#!/bin/sh\necho tool\n"
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	_, u, block, opts := sudoHost(t, sshdtest.Options{})
	dir := t.TempDir() // root's only: the task needs sudo
	dest := filepath.Join(dir, "tool")
	run := func(what, sum string, check bool, want engine.Status) engine.InstanceResult {
		t.Helper()
		o := opts
		o.Check = check
		rep := moduletest.Run(t, block+getTask, o, "url="+srv.URL+"/tool", "dest="+dest, "sum="+sum, "owner="+u.Name)
		res := moduletest.Instance(t, rep, "tool@box")
		if res.Status != want {
			t.Fatalf("%s: %s (%v), want %s", what, res.Status, res.Err, want)
		}
		return res
	}
	wrong := strings.Repeat("0", 64)
	if res := run("a wrong checksum", wrong, false, engine.StatusFailed); !strings.Contains(res.Err.Error(), "not "+wrong) {
		t.Errorf("a wrong checksum: %v", res.Err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused download left %d files", len(entries))
	}
	sum := sha256Hex(body)
	run("check", sum, true, engine.StatusChanged)
	if _, err := os.Stat(dest); err == nil {
		t.Fatal("check mode downloaded the file")
	}
	before := fetches.Load()
	run("download", sum, false, engine.StatusChanged)
	checkFile(t, dest, body, 0o750)
	if got := ownerOf(t, dest); got != u.Name {
		t.Errorf("the file is owned by %s, want %s", got, u.Name)
	}
	run("again", sum, false, engine.StatusOK)
	if n := fetches.Load() - before; n != 1 {
		t.Errorf("%d downloads, want 1: the second run must fetch nothing", n)
	}
	if err := os.Chmod(dest, 0o644); err != nil {
		t.Fatal(err)
	}
	run("a mode to mend", sum, false, engine.StatusChanged)
	checkFile(t, dest, body, 0o750)
	if n := fetches.Load() - before; n != 1 {
		t.Errorf("mending the mode downloaded again")
	}
}

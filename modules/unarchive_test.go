package modules_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/testenv"
)

// archiveFiles are the files of the archives the tests extract.
var archiveFiles = map[string]string{"app/VERSION": "1.2\n", "app/bin/run": "#!/bin/sh\n"}

// writeArchives writes app.tar.gz, app.zip and app.tar.xz of archiveFiles
// into dir.
func writeArchives(t *testing.T, dir string) {
	t.Helper()
	var tgz bytes.Buffer
	gz := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(gz)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	tree := t.TempDir()
	for _, name := range []string{"app/VERSION", "app/bin/run"} {
		content := archiveFiles[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
		zh := &zip.FileHeader{Name: name, Method: zip.Deflate}
		zh.SetMode(0o755)
		w, err := zw.CreateHeader(zh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
		mustMkdir(t, filepath.Dir(filepath.Join(tree, name)), 0o755)
		mustWrite(t, filepath.Join(tree, name), content, 0o755)
	}
	for _, c := range []interface{ Close() error }{tw, gz, zw} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(t, filepath.Join(dir, "app.tar.gz"), tgz.String(), 0o644)
	mustWrite(t, filepath.Join(dir, "app.zip"), zbuf.String(), 0o644)
	testenv.Need(t, "xz")
	if out, err := exec.Command("tar", "-cJf", filepath.Join(dir, "app.tar.xz"), "-C", tree, "app").CombinedOutput(); err != nil {
		t.Fatalf("tar -cJf: %v: %s", err, out)
	}
}

// unarchiveTasks extracts var.archive into var.dest on host.box.
const unarchiveTasks = `
variable "archive" {
  type = string
}
variable "dest" {
  type = string
}
variable "remote" {
  type = bool
}
task "unarchive" "app" {
  on         = host.box
  sudo       = true
  src        = var.archive
  remote_src = var.remote
  dest       = var.dest
  creates    = "${var.dest}/app/VERSION"
}
`

func TestUnarchiveOverSSHWithSudo(t *testing.T) {
	testenv.Need(t, "unzip")
	_, _, block, opts := sudoHost(t, sshdtest.Options{})
	archives := t.TempDir()
	writeArchives(t, archives)
	for _, c := range []struct {
		archive string
		remote  bool
	}{{"app.tar.gz", false}, {"app.zip", false}, {"app.tar.xz", true}} {
		dest := filepath.Join(t.TempDir(), "opt") // root's only: the task needs sudo
		run := func(what string, check bool, want engine.Status) {
			t.Helper()
			o := opts
			o.Check = check
			rep := moduletest.Run(t, block+unarchiveTasks, o, "archive="+filepath.Join(archives, c.archive), "dest="+dest, "remote="+map[bool]string{true: "true", false: "false"}[c.remote])
			if res := moduletest.Instance(t, rep, "app@box"); res.Status != want {
				t.Fatalf("%s: %s: %s (%v), want %s", c.archive, what, res.Status, res.Err, want)
			}
		}
		run("check", true, engine.StatusChanged)
		if _, err := os.Stat(dest); err == nil {
			t.Fatalf("%s: check mode extracted", c.archive)
		}
		run("extract", false, engine.StatusChanged)
		for name, content := range archiveFiles {
			checkFile(t, filepath.Join(dest, name), content, 0o755)
		}
		run("again", false, engine.StatusOK)
	}
}

func TestUnarchiveWithoutCreatesCannotPredict(t *testing.T) {
	rep := moduletest.Run(t, `
task "unarchive" "app" {
  src  = "app.tar.gz"
  dest = "/nonexistent/opt"
}
`, engine.RunOptions{Check: true})
	if res := moduletest.Instance(t, rep, "app@local"); res.Status != engine.StatusCannotPredict {
		t.Errorf("app: %s (%v), want cannot_predict", res.Status, res.Err)
	}
}

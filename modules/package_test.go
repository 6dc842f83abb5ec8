package modules_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/testenv"
)

// testPackage is the name of the package the tests build.
const testPackage = "rbtest-hello"

// buildDeb builds version of testPackage with dpkg-deb into repo and
// returns the stanza of the package index that describes it.
func buildDeb(t *testing.T, repo, version string) string {
	t.Helper()
	dpkgDeb := testenv.Need(t, "dpkg-deb")
	tree := t.TempDir()
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: runbook tests <tests@runbook.invalid>\nDescription: a package the runbook tests install\n", testPackage, version)
	mustMkdir(t, filepath.Join(tree, "DEBIAN"), 0o755)
	mustWrite(t, filepath.Join(tree, "DEBIAN", "control"), control, 0o644)
	mustMkdir(t, filepath.Join(tree, "usr", "share", testPackage), 0o755)
	mustWrite(t, filepath.Join(tree, "usr", "share", testPackage, "version"), version+"\n", 0o644)
	name := fmt.Sprintf("%s_%s_all.deb", testPackage, version)
	if out, err := exec.Command(dpkgDeb, "--root-owner-group", "--build", tree, filepath.Join(repo, name)).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v: %s", err, out)
	}
	deb, err := os.ReadFile(filepath.Join(repo, name))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(deb)
	return fmt.Sprintf("%sFilename: ./%s\nSize: %d\nSHA256: %s\n", control, name, len(deb), hex.EncodeToString(sum[:]))
}

// writeIndex makes repo a flat apt repository of the packages stanzas
// describe.
func writeIndex(t *testing.T, repo string, stanzas ...string) {
	t.Helper()
	mustWrite(t, filepath.Join(repo, "Packages"), strings.Join(stanzas, "\n"), 0o644)
}

// packageTasks installs testPackage on host.box as var.state says, after
// making the host's only package source var.repo.
const packageTasks = `
variable "repo" {
  type = string
}
variable "state" {
  type = string
}
task "package" "hello" {
  on           = host.box
  sudo         = true
  names        = ["rbtest-hello"]
  state        = var.state
  update_cache = true
}
`

// sourcesSetup makes var.repo the only package source of host.box: in
// its overlay root, never on the machine.
const sourcesSetup = `
variable "repo" {
  type = string
}
task "shell" "sources" {
  on     = host.box
  sudo   = true
  script = <<-EOT
    set -e
    rm -rf /etc/apt/sources.list /etc/apt/sources.list.d
    mkdir /etc/apt/sources.list.d
    echo "deb [trusted=yes] file:$REPO ./" >/etc/apt/sources.list.d/runbook-test.list
  EOT
  env = { REPO = var.repo }
}
`

func TestPackageWithAptOnAnOverlayRoot(t *testing.T) {
	testenv.Need(t, "apt-get")
	if out, err := exec.Command("dpkg-query", "-W", testPackage).CombinedOutput(); err == nil {
		t.Fatalf("the machine has %s installed: %s", testPackage, out)
	}
	_, _, block, opts := sudoHost(t, sshdtest.Options{OverlayRoot: true})
	repo, err := os.MkdirTemp("", "runbook-repo-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(repo) })
	if err := os.Chmod(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	v1 := buildDeb(t, repo, "1.0")
	writeIndex(t, repo, v1)
	setup := moduletest.Run(t, block+sourcesSetup, opts, "repo="+repo)
	wantStatuses(t, "setup", setup, map[string]engine.Status{"sources": "changed"})

	run := func(name, state string, check bool, want engine.Status, version string) {
		t.Helper()
		o := opts
		o.Check = check
		rep := moduletest.Run(t, block+packageTasks, o, "repo="+repo, "state="+state)
		res := moduletest.Instance(t, rep, "hello@box")
		if res.Status != want {
			t.Fatalf("%s: %s (%v), want %s", name, res.Status, res.Err, want)
		}
		if versions, _ := res.Outputs["versions"].(map[string]any); res.Status != engine.StatusChanged || !check {
			if got, _ := versions[testPackage].(string); got != version {
				t.Errorf("%s: versions %v, want %s at %q", name, res.Outputs["versions"], testPackage, version)
			}
		}
	}
	run("check before installing", "present", true, engine.StatusChanged, "")
	run("install", "present", false, engine.StatusChanged, "1.0")
	run("install again", "present", false, engine.StatusOK, "1.0")
	writeIndex(t, repo, v1, buildDeb(t, repo, "2.0"))
	run("present with a newer version offered", "present", false, engine.StatusOK, "1.0")
	run("upgrade", "latest", false, engine.StatusChanged, "2.0")
	run("upgrade again", "latest", false, engine.StatusOK, "2.0")
	run("check removal", "absent", true, engine.StatusChanged, "")
	run("remove", "absent", false, engine.StatusChanged, "")
	run("remove again", "absent", false, engine.StatusOK, "")
	if out, err := exec.Command("dpkg-query", "-W", testPackage).CombinedOutput(); err == nil {
		t.Errorf("the machine, not the overlay, has %s installed: %s", testPackage, out)
	}
}

func TestPackageValidate(t *testing.T) {
	for _, body := range []string{
		`names = []`,
		`names = ["-oAPT::Get::Trivial-Only=false"]`,
		`names = ["git; reboot"]`,
		`names = ["git"]
  state = "installed"`,
		`names = ["git"]
  manager = "pacman"`,
	} {
		moduletest.LoadErrors(t, "task \"package\" \"x\" {\n  "+body+"\n}\n")
	}
}

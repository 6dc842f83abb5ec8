package faulttest

import (
	"fmt"
	"os"
	osuser "os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// diskSize is the size of the host's small disk: a tmpfs that only its
// sshd's sessions see.
const diskSize = 64 << 10

// TestUploadOntoFullDisk copies a file bigger than the host's disk, once
// by SFTP and once through sudo (which asks for the user's password):
// each fails with an error that says the disk is full, the files already
// there keep their content, no temporary file is left behind, and the
// space is free again for a file that fits.
func TestUploadOntoFullDisk(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	user := sshdtest.NewSudoUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{TmpfsSize: diskSize})
	disk := srv.Tmpfs
	chownToUser(t, srv.Path(disk), user.Name)
	before := map[string]string{"sftp.txt": "old content\n", "sudo.txt": "old content too\n"}
	for name, content := range before {
		if err := os.WriteFile(srv.Path(filepath.Join(disk, name)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	known := knownHosts(t, trusting(srv)...)
	host := hostBlock("a", srv, user.Name, fmt.Sprintf("sudo_password = %q", user.Password))
	dir := writeFiles(t, map[string]string{
		"big.txt": strings.Repeat("x", 4*diskSize),
		"main.hcl": host + fmt.Sprintf(`
task "copy" "sftp" {
  on      = [host.a]
  content = file("big.txt")
  dest    = "%[1]s/sftp.txt"
}

task "copy" "sudo" {
  on      = [host.a]
  content = file("big.txt")
  dest    = "%[1]s/sudo.txt"
  sudo    = true
}
`, disk),
	})
	p, diags := engine.Load(filepath.Join(dir, "main.hcl"), engine.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	rep, err := runNow(t, p, engine.RunOptions{Connect: sshConnect(known)})

	wantErr(t, "the run", err, engine.ErrTaskFailed)
	for _, task := range []string{"sftp", "sudo"} {
		res := wantStatus(t, rep, task+"@a", engine.StatusFailed)
		if res.Err != nil {
			wantContains(t, "the error of "+task+"@a", strings.ToLower(res.Err.Error()), "host a", filepath.Join(disk, task+".txt"), "no space left on device")
		}
	}
	if got := diskFiles(t, srv); !slices.Equal(got, []string{"sftp.txt", "sudo.txt"}) {
		t.Errorf("the disk holds %q after the failed uploads, want only the files that were there", got)
	}
	for name, content := range before {
		if b, err := os.ReadFile(srv.Path(filepath.Join(disk, name))); err != nil || string(b) != content {
			t.Errorf("%s holds %q (%v) after the failed upload, want %q", name, b, err, content)
		}
	}

	fits := strings.Repeat("y", diskSize*3/4)
	p = load(t, host+fmt.Sprintf(`
task "copy" "fits" {
  on      = [host.a]
  content = %q
  dest    = "%s/fits.txt"
}
`, fits, disk), engine.LoadOptions{})
	rep, err = runNow(t, p, engine.RunOptions{Connect: sshConnect(known)})
	if err != nil {
		t.Fatalf("a file that fits the freed disk: %v", err)
	}
	wantStatus(t, rep, "fits@a", engine.StatusChanged)
}

// chownToUser gives path to the user called name.
func chownToUser(t testing.TB, path, name string) {
	t.Helper()
	u, err := osuser.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// diskFiles returns the names in the root of srv's tmpfs, sorted.
func diskFiles(t testing.TB, srv *sshdtest.Server) []string {
	t.Helper()
	entries, err := os.ReadDir(srv.Path(srv.Tmpfs))
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

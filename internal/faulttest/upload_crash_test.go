package faulttest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// uploadSize is the size of the file copied in TestServerCrashMidUpload:
// big enough for the copy to take a while on loopback.
const uploadSize = 128 << 20

// TestServerCrashMidUpload kills the host's sshd and its sessions while a
// file is being uploaded over an older version of it: the task fails with
// a lost connection, and the destination keeps its old content, whole.
// Once the host is back, running the task again writes the new content and
// removes the temporary file the crashed upload left.
func TestServerCrashMidUpload(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	user := loginUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	dir := sharedDir(t)
	dest := filepath.Join(dir, "data.bin")
	old := []byte("old content, whole\n")
	if err := os.WriteFile(dest, old, 0o644); err != nil {
		t.Fatal(err)
	}
	chownToUser(t, dest, user)
	src := filepath.Join(t.TempDir(), "data.bin")
	if err := os.WriteFile(src, bytes.Repeat([]byte("new content\n"), uploadSize/12), 0o644); err != nil {
		t.Fatal(err)
	}
	p := load(t, hostBlock("a", srv, user)+fmt.Sprintf(`
task "copy" "upload" {
  on   = [host.a]
  src  = %q
  dest = %q
}
`, src, dest), engine.LoadOptions{})
	opts := engine.RunOptions{Connect: sshConnect(knownHosts(t, trusting(srv)...))}
	run := startRun(t, p, opts)
	waitFor(t, "the upload to start writing", func() bool { return tempBytes(dir, "data.bin") > 0 })
	srv.Crash(t)
	rep, err := run.wait()

	wantErr(t, "the run", err, engine.ErrTaskFailed)
	res := wantStatus(t, rep, "upload@a", engine.StatusFailed)
	wantErr(t, "upload@a", res.Err, transport.ErrConnectionLost)
	if b, err := os.ReadFile(dest); err != nil || !bytes.Equal(b, old) {
		t.Errorf("after the crash %s holds %d bytes (%v), want its old content", dest, len(b), err)
	}
	left := temps(dir, "data.bin")
	t.Logf("the crashed upload left %q beside %s", left, dest)

	srv.Restart(t)
	rep, err = runNow(t, p, opts)
	if err != nil {
		t.Fatalf("the upload once the host is back: %v", err)
	}
	wantStatus(t, rep, "upload@a", engine.StatusChanged)
	if fi, err := os.Stat(dest); err != nil || fi.Size() != int64(uploadSize/12*12) {
		t.Errorf("after the upload %s: %v, want %d bytes", dest, err, uploadSize/12*12)
	}
	if stale := temps(dir, "data.bin"); len(stale) > 0 {
		t.Errorf("after the upload once the host is back, temporary files are left beside %s: %q (after the crash: %q)", dest, stale, left)
	}
}

// tempBytes returns the size of the biggest temporary file an upload of
// name made in dir, or 0.
func tempBytes(dir, name string) int64 {
	var size int64
	for _, path := range temps(dir, name) {
		if fi, err := os.Stat(path); err == nil {
			size = max(size, fi.Size())
		}
	}
	return size
}

// temps returns the paths of the temporary entries uploads of name made
// in dir (named .NAME.runbook-*).
func temps(dir, name string) []string {
	entries, _ := os.ReadDir(dir)
	var paths []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "."+name+".runbook-") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	return paths
}

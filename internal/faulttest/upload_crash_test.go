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
// Once the host is back, running the task again writes the new content.
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
	if n := tempBytes(dir, "data.bin"); n > 0 {
		t.Logf("the crashed upload left a temporary file of %d bytes beside %s", n, dest)
	}

	srv.Restart(t)
	rep, err = runNow(t, p, opts)
	if err != nil {
		t.Fatalf("the upload once the host is back: %v", err)
	}
	wantStatus(t, rep, "upload@a", engine.StatusChanged)
	if fi, err := os.Stat(dest); err != nil || fi.Size() != int64(uploadSize/12*12) {
		t.Errorf("after the upload %s: %v, want %d bytes", dest, err, uploadSize/12*12)
	}
}

// tempBytes returns the size of the biggest temporary file an upload of
// name made in dir (named .NAME.runbook-*), or 0.
func tempBytes(dir, name string) int64 {
	entries, _ := os.ReadDir(dir)
	var size int64
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "."+name+".runbook-") {
			continue
		}
		if fi, err := e.Info(); err == nil {
			size = max(size, fi.Size())
		}
	}
	return size
}

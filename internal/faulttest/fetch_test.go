package faulttest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestFetchOverSSHKeepsFilePrivate fetches a private key from a host by
// SFTP: the copy lands under dest/HOST/PATH, no more readable than the
// key on the host.
func TestFetchOverSSHKeepsFilePrivate(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{})
	src := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(src, []byte("private key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	p := load(t, hostBlock("a", srv, "root")+fmt.Sprintf(`
task "fetch" "key" {
  on   = [host.a]
  src  = %q
  dest = %q
}
`, src, dest), engine.LoadOptions{})
	rep, err := runNow(t, p, engine.RunOptions{Connect: sshConnect(knownHosts(t, trusting(srv)...))})
	if err != nil {
		t.Fatalf("the run: %v", err)
	}
	wantStatus(t, rep, "key@a", engine.StatusChanged)
	local := filepath.Join(dest, "a", src)
	b, err := os.ReadFile(local)
	if err != nil || string(b) != "private key\n" {
		t.Fatalf("%s holds %q (%v), want the key", local, b, err)
	}
	if info, err := os.Stat(local); err != nil || info.Mode() != 0o600 {
		t.Fatalf("the copy of a key of mode 0600 has mode %v (%v)", info.Mode(), err)
	}
}

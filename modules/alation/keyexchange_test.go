package alation

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/testenv"
)

const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl replication"

func TestParsePublicKey(t *testing.T) {
	key, line, err := parsePublicKey("\n" + testKey + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if line != testKey {
		t.Errorf("line = %q, want %q", line, testKey)
	}
	if key.Type() != "ssh-ed25519" {
		t.Errorf("type = %s", key.Type())
	}
	if _, _, err := parsePublicKey("not a key"); err == nil {
		t.Error("parsePublicKey accepted garbage")
	}
}

// runAuthorize runs authorizeScript with /bin/sh for the current user
// with home as their home directory and returns how many changes it
// reported.
func runAuthorize(t *testing.T, home, key string) int {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	script := assign("home", home, "user", u.Username, "key", key) + authorizeScript
	out, err := exec.Command("/bin/sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("authorize script: %v: %s", err, out)
	}
	return strings.Count(string(out), createdMarker)
}

func TestAuthorizeScript(t *testing.T) {
	testenv.Need(t, "awk")
	home := t.TempDir()
	if err := os.Chmod(home, 0o775); err != nil {
		t.Fatal(err)
	}
	if n := runAuthorize(t, home, testKey); n == 0 {
		t.Error("first run reported no change")
	}
	if n := runAuthorize(t, home, testKey); n != 0 {
		t.Errorf("second run reported %d changes", n)
	}
	ak := filepath.Join(home, ".ssh", "authorized_keys")
	for path, want := range map[string]os.FileMode{home: 0o755, filepath.Dir(ak): 0o700, ak: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", path, fi.Mode().Perm(), err, want)
		}
	}
	// A file without a final newline and with the key twice is repaired.
	other := "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC other"
	if err := os.WriteFile(ak, []byte(testKey+"\n"+testKey+" dup\n"+other), 0o600); err != nil {
		t.Fatal(err)
	}
	if n := runAuthorize(t, home, testKey); n != 1 {
		t.Errorf("dedup run reported %d changes, want 1", n)
	}
	got, _ := os.ReadFile(ak)
	if want := testKey + "\n" + other + "\n"; string(got) != want {
		t.Errorf("authorized_keys = %q, want %q", got, want)
	}
	if n := runAuthorize(t, home, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB8xEJBT5aMOL8D1wBAqV4zZ0Pw6pPCCvLm8kHBqhCPf new"); n != 1 {
		t.Errorf("new key run reported %d changes, want 1", n)
	}
	got, _ = os.ReadFile(ak)
	if lines := strings.Split(strings.TrimSpace(string(got)), "\n"); len(lines) != 3 {
		t.Errorf("authorized_keys has %d lines, want 3: %q", len(lines), got)
	}
}

func TestKeyExchangeValidate(t *testing.T) {
	ok := KeyExchange{Peer: engine.HostRef{Name: "s"}, PeerAddress: "10.0.0.3", SelfAddress: "10.0.0.2", SSHUser: "alationadmin", SSHPort: 22}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for _, change := range []func(*KeyExchange){
		func(m *KeyExchange) { m.SSHUser = "-oProxyCommand=x" },
		func(m *KeyExchange) { m.SSHUser = "a b" },
		func(m *KeyExchange) { m.SSHPort = 0 },
		func(m *KeyExchange) { m.PeerAddress = "" },
	} {
		bad := ok
		change(&bad)
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) succeeded", bad)
		}
	}
}

// TestSSHCommand: step 3's ssh checks the host key strictly against the
// known_hosts beside the replication key, with options OpenSSH 5.3 and
// 7.4 know (no accept-new, which needs 7.6), and leaves the Alation
// shell's standard input alone.
func TestSSHCommand(t *testing.T) {
	m := KeyExchange{SSHUser: "alationadmin", SSHPort: 2222}
	got := m.sshCommand("10.0.0.3")
	for _, want := range []string{"ssh -n ", "-i /home/alation/.ssh/replication_rsa", "UserKnownHostsFile=/home/alation/.ssh/known_hosts", "BatchMode=yes", "StrictHostKeyChecking=yes", "-p 2222", "-l alationadmin 10.0.0.3"} {
		if !strings.Contains(got, want) {
			t.Errorf("sshCommand = %q, missing %q", got, want)
		}
	}
	if strings.Contains(got, "accept-new") {
		t.Errorf("sshCommand = %q uses accept-new, which OpenSSH before 7.6 refuses", got)
	}
}

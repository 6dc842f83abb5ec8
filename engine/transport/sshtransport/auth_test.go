package sshtransport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// authorize adds key to the server's authorized keys.
func authorize(t *testing.T, srv *sshdtest.Server, key sshdtest.Key) {
	t.Helper()
	f, err := os.OpenFile(srv.AuthorizedKeys, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(key.AuthorizedKey); err != nil {
		t.Fatal(err)
	}
}

func TestAgentAuth(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := testConfig(srv)
	cfg.AgentSocket = sshdtest.StartAgent(t, srv.ClientKey.File)
	cfg.IdentityFiles = nil
	if err := runTrue(newHost(t, cfg)); err != nil {
		t.Fatal(err)
	}
}

func TestEncryptedKey(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	const passphrase = "correct horse"
	newKey := func(name string) Config {
		key := sshdtest.NewKey(t, filepath.Join(dir, name), passphrase)
		authorize(t, srv, key)
		cfg := testConfig(srv)
		cfg.IdentityFiles = []string{key.File}
		return cfg
	}

	cfg := newKey("given")
	cfg.KeyPassphrase = passphrase
	if err := runTrue(newHost(t, cfg)); err != nil {
		t.Fatalf("with KeyPassphrase: %v", err)
	}

	cfg = newKey("prompted")
	var asked []string
	cfg.PassphrasePrompt = func(path string) (string, error) {
		asked = append(asked, path)
		return passphrase, nil
	}
	if err := runTrue(newHost(t, cfg)); err != nil {
		t.Fatalf("with PassphrasePrompt: %v", err)
	}
	if len(asked) != 1 || asked[0] != cfg.IdentityFiles[0] {
		t.Fatalf("prompted for %q, want once for %s", asked, cfg.IdentityFiles[0])
	}

	cfg = newKey("missing")
	wantUnreachable(t, runTrue(newHost(t, cfg)), cfg.IdentityFiles[0], "encrypted")

	cfg = newKey("wrong")
	cfg.KeyPassphrase = "wrong horse"
	err := runTrue(newHost(t, cfg))
	wantUnreachable(t, err, cfg.IdentityFiles[0], "wrong passphrase")
	if strings.Contains(err.Error(), "wrong horse") {
		t.Fatalf("error reveals the passphrase: %v", err)
	}
}

func TestMissingIdentityFile(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := testConfig(srv)
	cfg.IdentityFiles = []string{filepath.Join(t.TempDir(), "absent")}
	wantUnreachable(t, runTrue(newHost(t, cfg)), cfg.IdentityFiles[0])
}

func TestPasswordAuth(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Password: true})
	u := sshdtest.NewSudoUser(t)
	cfg := testConfig(srv)
	cfg.User, cfg.Password, cfg.IdentityFiles = u.Name, u.Password, nil
	res := mustRunScript(t, newHost(t, cfg), "id -un")
	if got := strings.TrimSpace(string(res.Stdout)); got != u.Name {
		t.Fatalf("logged in as %q, want %q", got, u.Name)
	}
	cfg.Password = "not-" + u.Password
	err := runTrue(newHost(t, cfg))
	wantUnreachable(t, err, "unable to authenticate")
	if strings.Contains(err.Error(), u.Password) {
		t.Fatalf("error reveals the password: %v", err)
	}
}

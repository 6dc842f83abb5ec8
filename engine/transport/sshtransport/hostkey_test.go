package sshtransport

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/testenv"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// runTrue runs true on h and returns the error.
func runTrue(h transport.Host) error {
	_, err := h.Run(context.Background(), transport.Command{Args: []string{"true"}})
	return err
}

// wantUnreachable fails the test unless err wraps ErrUnreachable and
// mentions every word of want.
func wantUnreachable(t *testing.T, err error, want ...string) {
	t.Helper()
	if !errors.Is(err, transport.ErrUnreachable) {
		t.Fatalf("got %v, want an error wrapping ErrUnreachable", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not mention %q", err, w)
		}
	}
}

func TestUnknownHostRefused(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
	err := runTrue(newHost(t, cfg))
	wantUnreachable(t, err, srv.Addr(), "ssh-ed25519", ssh.FingerprintSHA256(srv.HostKey), "not in")
	if _, statErr := os.Stat(cfg.KnownHostsFiles[0]); !os.IsNotExist(statErr) {
		t.Fatalf("strict checking created the known_hosts file: %v", statErr)
	}
}

func TestChangedHostKeyRefused(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	other := sshdtest.NewKey(t, filepath.Join(t.TempDir(), "other"), "")
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
	line := knownhosts.Line([]string{knownhosts.Normalize(srv.Addr())}, other.Signer.PublicKey())
	if err := os.WriteFile(cfg.KnownHostsFiles[0], []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, policy := range []HostKeyChecking{Strict, AcceptNew} {
		cfg.HostKeyChecking = policy
		err := runTrue(newHost(t, cfg))
		wantUnreachable(t, err, "HOST KEY CHANGED", srv.Addr(), ssh.FingerprintSHA256(srv.HostKey), ssh.FingerprintSHA256(other.Signer.PublicKey()))
	}
}

func TestAcceptNewRecordsKey(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "new", "known_hosts")}
	cfg.HostKeyChecking = AcceptNew
	if err := runTrue(newHost(t, cfg)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(cfg.KnownHostsFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(data)); got != srv.KnownHostsLine() {
		t.Fatalf("known_hosts holds %q, want %q", got, srv.KnownHostsLine())
	}
	info, err := os.Stat(cfg.KnownHostsFiles[0])
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("known_hosts mode: %v %v", info.Mode(), err)
	}
	cfg.HostKeyChecking = Strict
	if err := runTrue(newHost(t, cfg)); err != nil {
		t.Fatalf("strict checking after the key was recorded: %v", err)
	}
}

func TestHashedKnownHosts(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
	line := knownhosts.Line([]string{knownhosts.HashHostname(knownhosts.Normalize(srv.Addr()))}, srv.HostKey)
	if !strings.HasPrefix(line, "|1|") {
		t.Fatalf("line %q is not hashed", line)
	}
	if err := os.WriteFile(cfg.KnownHostsFiles[0], []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := runTrue(newHost(t, cfg)); err != nil {
		t.Fatal(err)
	}
}

func TestHostKeyCheckingOffWarnsOnce(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
	cfg.HostKeyChecking = Off
	warnings := collectWarnings(&cfg)
	h := newHost(t, cfg)
	for range 2 {
		if err := runTrue(h); err != nil {
			t.Fatal(err)
		}
		dropConnection(h) // the next call connects again
	}
	if err := runTrue(h); err != nil {
		t.Fatal(err)
	}
	if w := warnings(); len(w) != 1 || !strings.Contains(w[0], ssh.FingerprintSHA256(srv.HostKey)) {
		t.Fatalf("warnings %q, want one naming the key", w)
	}
}

// keygenFind returns the entries ssh-keygen -F finds for host in file.
func keygenFind(t *testing.T, file, host string) []string {
	t.Helper()
	keygen := testenv.Need(t, "ssh-keygen")
	out, err := exec.Command(keygen, "-F", host, "-f", file).Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("ssh-keygen -F %s: %v", host, err)
	}
	var entries []string
	for _, line := range strings.Split(string(out), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			entries = append(entries, line)
		}
	}
	return entries
}

// wantKnown fails the test unless file parses, and ssh-keygen finds
// exactly one entry for each of hosts in it.
func wantKnown(t *testing.T, file string, hosts ...string) {
	t.Helper()
	if _, err := knownhosts.New(file); err != nil {
		data, _ := os.ReadFile(file)
		t.Fatalf("%s no longer parses: %v\n%s", file, err, data)
	}
	for _, h := range hosts {
		if got := keygenFind(t, file, h); len(got) != 1 {
			data, _ := os.ReadFile(file)
			t.Fatalf("ssh-keygen finds %d entries for %s, want 1:\n%s", len(got), h, data)
		}
	}
}

func TestAcceptNewAfterLineWithoutNewline(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	other := sshdtest.NewKey(t, filepath.Join(t.TempDir(), "other"), "")
	a := knownhosts.Line([]string{"a.example"}, other.Signer.PublicKey())
	b := knownhosts.Line([]string{"b.example"}, other.Signer.PublicKey())
	for name, content := range map[string]string{"one line": a, "two lines": a + "\n" + b} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(srv)
			cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
			cfg.HostKeyChecking = AcceptNew
			if err := os.WriteFile(cfg.KnownHostsFiles[0], []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := runTrue(newHost(t, cfg)); err != nil {
				t.Fatal(err)
			}
			hosts := []string{"a.example", knownhosts.Normalize(srv.Addr())}
			if name == "two lines" {
				hosts = append(hosts, "b.example")
			}
			wantKnown(t, cfg.KnownHostsFiles[0], hosts...)
			cfg.HostKeyChecking = Strict
			if err := runTrue(newHost(t, cfg)); err != nil {
				t.Fatalf("strict checking after the key was recorded: %v", err)
			}
		})
	}
}

func TestAcceptNewConcurrentDialsRecordOneEntry(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := testConfig(srv)
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
	cfg.HostKeyChecking = AcceptNew
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		h := newHost(t, cfg)
		wg.Go(func() { errs[i] = runTrue(h) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	wantKnown(t, cfg.KnownHostsFiles[0], knownhosts.Normalize(srv.Addr()))
}

package sshtransport

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// writeFile writes content to a new file in a temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSSHConfigResolution(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	config := writeFile(t, "config", fmt.Sprintf(`
Host other
  User nobody

Host db-*
  HostName %s
  Port %d
  User root
  IdentityFile %s
  UserKnownHostsFile %s
  ConnectTimeout 5
  ServerAliveInterval 7
`, srv.Host, srv.Port, srv.ClientKey.File, srv.KnownHosts))
	h := newHost(t, Config{Address: "db-main", SSHConfigFile: config, AgentSocket: "none"})
	res := mustRunScript(t, h, "id -un")
	if got := strings.TrimSpace(string(res.Stdout)); got != "root" {
		t.Fatalf("logged in as %q, want root", got)
	}
	r, err := resolve(&h.(*host).cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%s:%d root [%s] [%s] 5s 7s", srv.Host, srv.Port, srv.ClientKey.File, srv.KnownHosts)
	got := fmt.Sprintf("%s %s %v %v %s %s", r.target.addr(), r.target.user, r.target.identityFiles, r.target.knownHosts, r.target.connectTimeout, r.keepAlive)
	if got != want {
		t.Fatalf("resolved %s, want %s", got, want)
	}
}

func TestConfigOverridesSSHConfig(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	config := writeFile(t, "config", fmt.Sprintf("Host %s\n  User runbook-no-such-user\n  Port 1\n", srv.Host))
	cfg := testConfig(srv)
	cfg.SSHConfigFile = config
	mustRunScript(t, newHost(t, cfg), "true")
}

func TestProxyJump(t *testing.T) {
	debug := sshdtest.Options{Config: []string{"LogLevel DEBUG1"}}
	jump1, jump2 := sshdtest.Start(t, debug), sshdtest.Start(t, debug)
	target := sshdtest.Start(t, sshdtest.Options{})
	knownHosts := writeFile(t, "known_hosts", jump1.KnownHostsLine()+"\n"+jump2.KnownHostsLine()+"\n"+target.KnownHostsLine()+"\n")
	config := writeFile(t, "config", fmt.Sprintf(`
Host jump2
  HostName %s
  Port %d
Host target
  HostName %s
  Port %d
  ProxyJump root@%s,jump2
`, jump2.Host, jump2.Port, target.Host, target.Port, jump1.Addr()))
	h := newHost(t, Config{
		Address:         "target",
		User:            "root",
		IdentityFiles:   []string{jump1.ClientKey.File, jump2.ClientKey.File, target.ClientKey.File},
		KnownHostsFiles: []string{knownHosts},
		SSHConfigFile:   config,
		AgentSocket:     "none",
	})
	res := mustRunScript(t, h, "echo through")
	if string(res.Stdout) != "through\n" {
		t.Fatalf("stdout %q", res.Stdout)
	}
	for _, hop := range []struct{ via, to *sshdtest.Server }{{jump1, jump2}, {jump2, target}} {
		want := fmt.Sprintf("target %s port %d", hop.to.Host, hop.to.Port)
		if !strings.Contains(hop.via.Log(), want) {
			t.Fatalf("%s did not forward to %s; its log:\n%s", hop.via.Addr(), hop.to.Addr(), hop.via.Log())
		}
	}
}

func TestParseHop(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"host", " host 0"},
		{"u@host", "u host 0"},
		{"u@host:2222", "u host 2222"},
		{"[::1]:22", " ::1 22"},
		{"a@b@host", "a@b host 0"},
	} {
		u, h, p, err := parseHop(tc.spec)
		if got := fmt.Sprintf("%s %s %d", u, h, p); err != nil || got != tc.want {
			t.Errorf("parseHop(%q) = %q, %v; want %q", tc.spec, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "u@", "host:0", "host:x"} {
		if _, _, _, err := parseHop(bad); err == nil {
			t.Errorf("parseHop(%q) succeeded", bad)
		}
	}
}

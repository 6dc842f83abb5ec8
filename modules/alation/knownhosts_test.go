package alation

import (
	"crypto/ed25519"
	"crypto/rand"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// newHostKey returns a fresh ed25519 public key.
func newHostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestKnownHostsTrusts: a known_hosts line trusts a key for a name when it
// names it plainly, in a list, with its port, or hashed; not when it is
// another key, a negated name, a marker line, or garbage.
func TestKnownHostsTrusts(t *testing.T) {
	key, other := newHostKey(t), newHostKey(t)
	line := func(names string, k ssh.PublicKey) string { return knownhosts.Line([]string{names}, k) + "\n" }
	port := knownHostsName("10.0.0.3", 2222)
	if port != "[10.0.0.3]:2222" || knownHostsName("10.0.0.3", 22) != "10.0.0.3" {
		t.Fatalf("knownHostsName: %q, %q", port, knownHostsName("10.0.0.3", 22))
	}
	for _, tt := range []struct {
		content          string
		name             string
		trusted, revoked bool
	}{
		{line("10.0.0.3", key), "10.0.0.3", true, false},
		{line("alation-b,10.0.0.3", key), "10.0.0.3", true, false},
		{line("ALATION-B", key), "alation-b", true, false},
		{line(knownhosts.HashHostname("10.0.0.3"), key), "10.0.0.3", true, false},
		{line(knownhosts.HashHostname("10.0.0.4"), key), "10.0.0.3", false, false},
		{line(port, key), port, true, false},
		{line("10.0.0.3", key), port, false, false},
		{line("10.0.0.3", other), "10.0.0.3", false, false},
		{line("10.0.0.*,!10.0.0.3", key), "10.0.0.3", false, false},
		{"# 10.0.0.3\nnot a line\n10.0.0.3 ssh-unknown AAAA\n|1|x|y " + line("10.0.0.9", key), "10.0.0.3", false, false},
		{"@cert-authority " + line("10.0.0.3", key), "10.0.0.3", false, false},
		{"@revoked " + line("*", key) + line("10.0.0.3", key), "10.0.0.3", true, true},
	} {
		trusted, revoked := knownHostsTrusts([]byte(tt.content), tt.name, key)
		if trusted != tt.trusted || revoked != tt.revoked {
			t.Errorf("%q for %s: trusted %v, revoked %v; want %v, %v", tt.content, tt.name, trusted, revoked, tt.trusted, tt.revoked)
		}
	}
	if !knownHostsHashed([]byte(line(knownhosts.HashHostname("a"), key))) || knownHostsHashed([]byte(line("a", key))) {
		t.Error("knownHostsHashed does not tell hashed files from plain ones")
	}
}

// TestHashesKnownHosts reads HashKnownHosts as ssh does: the first value
// wins, with any spacing or =.
func TestHashesKnownHosts(t *testing.T) {
	for config, want := range map[string]bool{
		"Host *\n    SendEnv LANG\n    HashKnownHosts yes\n": true,
		"hashknownhosts=yes\n":                               true,
		"HashKnownHosts\tno\nHashKnownHosts yes\n":           false,
		"# HashKnownHosts yes\n":                             false,
		"":                                                   false,
	} {
		if got := hashesKnownHosts([]byte(config)); got != want {
			t.Errorf("hashesKnownHosts(%q) = %v, want %v", config, got, want)
		}
	}
}

// TestSections splits the shell's output at the markers alone, wherever a
// file's content has lines like them.
func TestSections(t *testing.T) {
	out := strings.Join([]string{sectionUser, "alation", sectionModes, "700 alation", sectionKnown, "a b c", sectionConfig, "HashKnownHosts yes", ""}, "\n")
	got := sections(out)
	if got[sectionUser] != "alation\n" || got[sectionModes] != "700 alation\n" || got[sectionKnown] != "a b c\n" || got[sectionConfig] != "HashKnownHosts yes\n" {
		t.Errorf("sections = %q", got)
	}
}

// TestSSHKnows: OpenSSH knows ECDSA host keys from 5.7 and ed25519 ones
// from 6.5; RSA keys always; an ssh that does not tell its version is
// trusted to know.
func TestSSHKnows(t *testing.T) {
	for _, tt := range []struct {
		version, keyType string
		want             bool
	}{
		{"OpenSSH_5.3p1", ssh.KeyAlgoED25519, false},
		{"OpenSSH_5.3p1", ssh.KeyAlgoECDSA256, false},
		{"OpenSSH_5.3p1", ssh.KeyAlgoRSA, true},
		{"OpenSSH_6.4p1", ssh.KeyAlgoED25519, false},
		{"OpenSSH_6.6.1p1", ssh.KeyAlgoED25519, true},
		{"OpenSSH_7.4p1", ssh.KeyAlgoED25519, true},
		{"OpenSSH_10.0p2", ssh.KeyAlgoECDSA521, true},
		{"Sun_SSH_1.1", ssh.KeyAlgoED25519, true},
	} {
		if got := sshKnows(tt.version, tt.keyType); got != tt.want {
			t.Errorf("sshKnows(%q, %s) = %v, want %v", tt.version, tt.keyType, got, tt.want)
		}
	}
}

// TestKnownHostsNames: the peer is trusted under the address replication
// uses and its inventory address, each once, with the port when it is not
// 22.
func TestKnownHostsNames(t *testing.T) {
	m := &KeyExchange{SSHPort: 2222}
	if got := m.knownHostsNames("10.1.0.3", "alation-b.example", "", "10.1.0.3"); !slices.Equal(got, []string{"[10.1.0.3]:2222", "[alation-b.example]:2222"}) {
		t.Errorf("knownHostsNames = %q", got)
	}
	m.SSHPort = 22
	if got := m.knownHostsNames("10.1.0.3", "10.1.0.3"); !slices.Equal(got, []string{"10.1.0.3"}) {
		t.Errorf("knownHostsNames on port 22 = %q", got)
	}
}

package main

import (
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// remoteArgs returns the arguments that run testdata/remote.hcl against
// srv as the current user, followed by extra.
func remoteArgs(t *testing.T, srv *sshdtest.Server, extra ...string) []string {
	t.Helper()
	return playbookArgs(t, "testdata/remote.hcl", srv, extra...)
}

// playbookArgs returns the arguments that run playbook, whose variables
// address, port and user name its host, against srv as the current user,
// followed by extra.
func playbookArgs(t *testing.T, playbook string, srv *sshdtest.Server, extra ...string) []string {
	t.Helper()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"run", playbook,
		"-var", "address=" + srv.Host, "-var", "port=" + strconv.Itoa(srv.Port), "-var", "user=" + me.Username}
	return append(args, extra...)
}

// sshEnv is the environment of a run that must use only the keys it is
// given: no agent.
func sshEnv() []string {
	var env []string
	for _, kv := range testEnv() {
		if !strings.HasPrefix(kv, "SSH_AUTH_SOCK=") {
			env = append(env, kv)
		}
	}
	return env
}

// runbookSSH runs the binary without an ssh-agent.
func runbookSSH(t *testing.T, args ...string) result {
	t.Helper()
	return runbookEnv(t, sshEnv(), args...)
}

// TestRunOverSSH runs a playbook over SSH in each --ssh-mode.
func TestRunOverSSH(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	for _, mode := range []string{"session", "persistent"} {
		t.Run(mode, func(t *testing.T) {
			r := runbookSSH(t, remoteArgs(t, srv, "--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts, "--output", "json", "--ssh-mode", mode)...)
			r.wantCode(t, exitOK)
			me, _ := user.Current()
			for _, e := range parseEvents(t, r.stdout) {
				if e.Task == "whoami" && e.Kind == "task_finished" && e.Outputs["stdout"] != me.Username {
					t.Errorf("id -un on the remote host printed %v, want %s", e.Outputs["stdout"], me.Username)
				}
			}
		})
	}
}

func TestHostKeyChecking(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()

	empty := filepath.Join(dir, "empty_known_hosts")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runbookSSH(t, remoteArgs(t, srv, "--identity", srv.ClientKey.File, "--known-hosts", empty)...)
	r.wantCode(t, exitUnreachable)

	learnt := filepath.Join(dir, "learnt_known_hosts")
	r = runbookSSH(t, remoteArgs(t, srv, "--identity", srv.ClientKey.File, "--known-hosts", learnt, "--host-key-checking", "accept-new")...)
	r.wantCode(t, exitOK)
	hostKey := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey)))
	if b, err := os.ReadFile(learnt); err != nil || !strings.Contains(string(b), hostKey) {
		t.Errorf("accept-new did not record the host key: %v\n%s", err, b)
	}

	r = runbookSSH(t, remoteArgs(t, srv, "--identity", srv.ClientKey.File, "--known-hosts", empty, "--host-key-checking", "off")...)
	r.wantCode(t, exitOK)
	if n := strings.Count(r.stdout, " remote WARNING: host key checking is OFF"); n != 1 {
		t.Errorf("host key checking off warned %d times in the output:\n%s", n, r.stdout)
	}
}

func TestPassphraseAskedOnTerminal(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	const passphrase = "correct horse battery staple"
	key := sshdtest.NewKey(t, filepath.Join(t.TempDir(), "id_encrypted"), passphrase)
	f, err := os.OpenFile(srv.AuthorizedKeys, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(key.AuthorizedKey); err != nil {
		t.Fatal(err)
	}
	f.Close()

	term := startTerminal(t, sshEnv(), remoteArgs(t, srv, "--identity", key.File, "--known-hosts", srv.KnownHosts)...)
	term.waitFor("Passphrase for key " + key.File + ": ")
	// Echo is off from the moment the prompt shows, so that an answer
	// typed at once is not echoed. (On a pseudo-terminal the master side
	// reads the attributes of the terminal the process uses.)
	attrs, err := unix.IoctlGetTermios(int(term.tty.Fd()), ioctlGetTermios)
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Lflag&unix.ECHO != 0 {
		t.Error("the passphrase prompt shows while the terminal still echoes")
	}
	if _, err := io.WriteString(term.tty, passphrase+"\r"); err != nil {
		t.Fatal(err)
	}
	if code := term.wait(); code != exitOK {
		t.Fatalf("exit status %d, want %d:\n%s", code, exitOK, term.output())
	}
	if strings.Contains(term.output(), passphrase) {
		t.Error("the passphrase was echoed")
	}
}

// TestUnreachableSaysWhyOnce runs against a closed port, with a key the
// server refuses and with a host key known_hosts does not hold: each line
// of the output that says the host is unreachable says so once, then why,
// without the words of the layers below repeated ("ssh: ", the address).
func TestUnreachableSaysWhyOnce(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty_known_hosts")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	stranger := sshdtest.NewKey(t, filepath.Join(dir, "stranger"), "")
	for _, c := range []struct {
		name, why string
		args      []string
	}{
		{"closed port", "connect to 127.0.0.1:1: connection refused", []string{"run", "testdata/unreachable.hcl", "--known-hosts", empty}},
		{"refused key", "unable to authenticate", remoteArgs(t, srv, "--identity", stranger.File, "--known-hosts", srv.KnownHosts)},
		{"unknown host key", "known_hosts", remoteArgs(t, srv, "--identity", srv.ClientKey.File, "--known-hosts", empty)},
	} {
		r := runbookSSH(t, c.args...)
		r.wantCode(t, exitUnreachable)
		lines := 0
		for _, line := range strings.Split(r.stdout, "\n") {
			if !strings.Contains(line, "unreachable") || strings.HasPrefix(line, "  HOST") {
				continue
			}
			lines++
			if strings.Count(line, "unreachable") != 1 || strings.Contains(line, "ssh: ") || strings.Contains(line, "dial tcp") || !strings.Contains(line, c.why) {
				t.Errorf("%s: %q does not say once that the host is unreachable, then why (%s)", c.name, line, c.why)
			}
		}
		if lines < 2 {
			t.Errorf("%s: the output says the host is unreachable on %d lines:\n%s", c.name, lines, r.stdout)
		}
	}
}

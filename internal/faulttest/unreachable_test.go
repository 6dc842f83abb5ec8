package faulttest

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"golang.org/x/crypto/ssh/knownhosts"
)

// unreachable is a host that cannot be reached, and what the error about
// it must say.
type unreachable struct {
	name string
	says string
}

// unreachables are the hosts of unreachablePlaybook that cannot be
// reached, sorted by name.
var unreachables = []unreachable{
	{"changed_key", "HOST KEY CHANGED"},
	{"closed_port", "connection refused"},
	{"silent", fmt.Sprintf("did not finish within %s", connectTimeout)},
	{"wrong_key", "unable to authenticate"},
}

// unreachablePlaybook returns a playbook with a host that works and the
// hosts of unreachables, each running hello and then after, and the
// known_hosts file to run it with.
func unreachablePlaybook(t *testing.T) (src, known string) {
	user := loginUser(t)
	good := sshdtest.Start(t, sshdtest.Options{})
	auth := sshdtest.Start(t, sshdtest.Options{})
	rekeyed := sshdtest.Start(t, sshdtest.Options{})

	silentHost, silentPort := silentListener(t)
	closedHost, closedPort := closedPort(t)
	stranger := sshdtest.NewKey(t, filepath.Join(t.TempDir(), "stranger"), "")
	otherHostKey := sshdtest.NewKey(t, filepath.Join(t.TempDir(), "other_host_key"), "")

	src = hostBlock("good", good, user) +
		hostAt("wrong_key", auth.Host, auth.Port, user, stranger.File) +
		hostBlock("changed_key", rekeyed, user) +
		hostAt("silent", silentHost, silentPort, user, good.ClientKey.File) +
		hostAt("closed_port", closedHost, closedPort, user, good.ClientKey.File) + `
task "command" "hello" {
  on   = group.all
  argv = ["echo", "hello"]
}

task "command" "after" {
  on   = group.all
  argv = ["echo", task.hello.stdout, "again"]
}
`
	// known_hosts trusts another key than the one changed_key presents.
	changed := knownhosts.Line([]string{knownhosts.Normalize(rekeyed.Addr())}, otherHostKey.Signer.PublicKey())
	return src, knownHosts(t, good.KnownHostsLine(), auth.KnownHostsLine(), changed)
}

// TestUnreachableHosts runs over hosts that cannot be reached in four
// ways: each fails with an error that names it and says why, within the
// connect timeout, its dependent tasks are skipped, and the host that
// works finishes.
func TestUnreachableHosts(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	src, known := unreachablePlaybook(t)
	p := load(t, src, engine.LoadOptions{})
	events := &recorder{}
	rep, err := runNow(t, p, engine.RunOptions{Connect: sshConnect(known), Subscribers: []engine.Subscriber{events}})

	wantErr(t, "the run", err, engine.ErrHostUnreachable)
	if err != nil {
		wantContains(t, "the run's error", err.Error(), "changed_key, closed_port, silent, wrong_key")
	}
	wantStatus(t, rep, "hello@good", engine.StatusChanged)
	wantStatus(t, rep, "after@good", engine.StatusChanged)
	for _, u := range unreachables {
		hello := wantStatus(t, rep, "hello@"+u.name, engine.StatusFailed)
		wantErr(t, "hello@"+u.name, hello.Err, transport.ErrUnreachable)
		if hello.Err != nil {
			wantContains(t, "the error of hello@"+u.name, hello.Err.Error(), "task hello on host "+u.name+": host unreachable: ", u.says)
			if n := strings.Count(hello.Err.Error(), "unreachable"); n != 1 {
				t.Errorf("the error of hello@%s says unreachable %d times: %v", u.name, n, hello.Err)
			}
		}
		if !hello.Unreachable {
			t.Errorf("hello@%s is not marked unreachable", u.name)
		}
		after := wantStatus(t, rep, "after@"+u.name, engine.StatusSkipped)
		if !after.Unreachable {
			t.Errorf("after@%s is not marked unreachable", u.name)
		}
		// It did not run because its host could not be reached.
		wantErr(t, "after@"+u.name, after.Err, engine.ErrHostUnreachable)
		e, ok := events.find(engine.EventHostUnreachable, "", u.name)
		if !ok {
			t.Errorf("no host_unreachable event for %s", u.name)
			continue
		}
		wantContains(t, "the host_unreachable event of "+u.name, e.Error, u.says)
	}
}

// TestUnreachableHostsCLI runs the same hosts with the runbook command: it
// exits with status 3, and its recap names each unreachable host with the
// reason.
func TestUnreachableHostsCLI(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	src, known := unreachablePlaybook(t)
	dir := writeFiles(t, map[string]string{"main.hcl": src})
	stdout, stderr, code := runCLI(t, cliEnv(t), "run", filepath.Join(dir, "main.hcl"), "--known-hosts", known)
	if code != 3 {
		t.Fatalf("exit status %d, want 3\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	_, recap, ok := strings.Cut(stdout, "Recap")
	if !ok {
		t.Fatalf("no recap:\n%s", stdout)
	}
	for _, u := range unreachables {
		line := lineWith(recap, "  "+u.name+": ")
		if line == "" || !strings.Contains(line, u.says) {
			t.Errorf("the recap does not say that %s is unreachable because %q:\n%s", u.name, u.says, recap)
		}
	}
}

// lineWith returns the first line of text that holds s, or "".
func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// silentListener listens on a loopback port, accepts connections and
// never writes a byte to them, like a host whose sshd hangs. It returns
// the address and port.
func silentListener(t testing.TB) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-accepted
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	addr := l.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

// closedPort returns a loopback address and port on which nothing
// listens.
func closedPort(t testing.TB) (string, int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close()
	return addr.IP.String(), addr.Port
}

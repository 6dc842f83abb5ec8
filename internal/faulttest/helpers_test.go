package faulttest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/sshtransport"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/testenv"

	"github.com/runbookhq/runbook/engine/moduletest"
	_ "github.com/runbookhq/runbook/modules" // registers the modules the playbooks use
)

// testDeadline bounds every run a test makes. It is generous: the tests
// check what happened, never how fast, and only use it so that a hang
// fails instead of blocking the suite.
const testDeadline = 2 * time.Minute

// connectTimeout is the connect timeout given to the transport in these
// tests, short so that a silent host costs little.
const connectTimeout = 2 * time.Second

// requireRoot skips the test when it does not run as root (fails it under
// CI=true): it mounts file systems and creates users.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "this test needs root (mount namespaces, tmpfs, test users)")
	}
}

// deadline returns a context that ends after testDeadline or with the
// test.
func deadline(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	t.Cleanup(cancel)
	return ctx
}

// marker returns a sleep duration, a bit over 1000 seconds, unique to the
// call: the argument of a remote sleep that lets the test find the
// process in /proc, and tell it from every other one.
func marker() string {
	return fmt.Sprintf("1000.%09d", rand.IntN(1_000_000_000))
}

// loginUser creates a user whose login shell is /bin/sh and who has no
// start-up files, for the tests to log in as, and returns its name: what
// root's shell start-up files do (such as waiting for a lock) cannot slow
// down or block these tests. Call it before starting the servers the user
// logs in to: the user is removed when the test ends, which waits for its
// processes, and so must come after the servers are gone.
func loginUser(t testing.TB) string {
	t.Helper()
	return sshdtest.NewUser(t).Name
}

// hostBlock returns a host block that reaches srv as user with the
// server's client key; extra lines are added to the block.
func hostBlock(name string, srv *sshdtest.Server, user string, extra ...string) string {
	return hostAt(name, srv.Host, srv.Port, user, srv.ClientKey.File, extra...)
}

// hostAt returns a host block that reaches address:port as user with the
// key in keyFile; extra lines are added to the block.
func hostAt(name, address string, port int, user, keyFile string, extra ...string) string {
	lines := []string{
		fmt.Sprintf("host %q {", name),
		fmt.Sprintf("  address       = %q", address),
		fmt.Sprintf("  port          = %d", port),
		fmt.Sprintf("  user          = %q", user),
		fmt.Sprintf("  identity_file = %q", keyFile),
	}
	for _, l := range extra {
		lines = append(lines, "  "+l)
	}
	return strings.Join(append(lines, "}"), "\n") + "\n"
}

// knownHosts writes a known_hosts file holding lines and returns its path.
func knownHosts(t testing.TB, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// trusting returns the known_hosts lines that trust servers.
func trusting(servers ...*sshdtest.Server) []string {
	lines := make([]string, len(servers))
	for i, s := range servers {
		lines[i] = s.KnownHostsLine()
	}
	return lines
}

// sshConnect returns a RunOptions.Connect that reaches every host over SSH
// as the command line tool does: from its host block, with its
// identity_file, host keys checked strictly against knownHostsFile, and
// no agent nor ssh_config to depend on the machine. Each of edits is then
// applied to the configuration.
func sshConnect(knownHostsFile string, edits ...func(*sshtransport.Config)) func(engine.HostConfig) (transport.Host, error) {
	return func(h engine.HostConfig) (transport.Host, error) {
		cfg := sshtransport.ForHost(h)
		cfg.KnownHostsFiles = []string{knownHostsFile}
		cfg.SSHConfigFile = "none"
		cfg.AgentSocket = "none"
		cfg.ConnectTimeout = connectTimeout
		for _, edit := range edits {
			edit(&cfg)
		}
		return sshtransport.New(cfg)
	}
}

// sharedDir returns a new directory in which every user can read and
// create files (as in /tmp), removed when the test ends; the directories
// of t.TempDir are root's alone.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "faulttest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeFiles writes files (name -> content) to a new temporary directory
// and returns it.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// load writes src as a playbook and loads it, failing the test on any
// error.
func load(t testing.TB, src string, opts engine.LoadOptions) *engine.Playbook {
	t.Helper()
	dir := writeFiles(t, map[string]string{"main.hcl": src})
	p, diags := engine.Load(filepath.Join(dir, "main.hcl"), opts)
	if diags.HasErrors() {
		var b strings.Builder
		_ = hcl.NewDiagnosticTextWriter(&b, p.Files(), 100, false).WriteDiagnostics(diags)
		t.Fatalf("load:\n%s", b.String())
	}
	return p
}

// recorder is a Subscriber that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []engine.Event
}

// Event records e.
func (r *recorder) Event(e engine.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// all returns the events seen so far.
func (r *recorder) all() []engine.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]engine.Event(nil), r.events...)
}

// find returns the first event of kind for the instance task@host.
func (r *recorder) find(kind engine.EventKind, task, host string) (engine.Event, bool) {
	for _, e := range r.all() {
		if e.Kind == kind && e.Task == task && e.Host == host {
			return e, true
		}
	}
	return engine.Event{}, false
}

// resultOf returns the report entry of the instance id ("task@host").
var resultOf = moduletest.Instance

// wantStatus fails the test unless the instance id ended with status.
func wantStatus(t testing.TB, rep *engine.Report, id string, status engine.Status) engine.InstanceResult {
	t.Helper()
	r := resultOf(t, rep, id)
	if r.Status != status {
		t.Errorf("%s: status %s (error: %v), want %s", id, r.Status, r.Err, status)
	}
	return r
}

// wantErr fails the test unless err wraps each of targets.
func wantErr(t testing.TB, what string, err error, targets ...error) {
	t.Helper()
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Errorf("%s: error %v does not wrap %q", what, err, target)
		}
	}
}

// wantContains fails the test unless text holds every one of parts.
func wantContains(t testing.TB, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s does not say %q:\n%s", what, p, text)
		}
	}
}

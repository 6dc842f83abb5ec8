// Package temporaltest starts a real Temporal server for tests: the
// Temporal CLI's development server ("temporal server start-dev"), on a
// loopback port of its own (or inside a network namespace) with an
// in-memory store, stopped when the test ends; or one server that the
// tests of a package share, each in a Temporal namespace of its own
// (Shared).
//
// The CLI binary is found at $RUNBOOK_TEMPORAL_CLI, or at CLI, where
// .ci/deps installs it. When it is missing a test is skipped, except
// under CI=true, where it fails.
package temporaltest

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/netnstest"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/testenv"
)

// CLI is where .ci/deps installs the Temporal CLI.
const CLI = "/usr/local/lib/runbook/temporal-cli-v1.5.1/temporal"

// Server is a running development server.
type Server struct {
	// HostPort is the address of its frontend, for clients and workers.
	HostPort string
	// Namespace is the Temporal namespace of the test's runs.
	Namespace string
	bin       string
	netns     string
	cmd       *exec.Cmd
	log       *sshdtest.SyncBuffer
	exited    chan struct{}
}

// binary returns the path of the Temporal CLI, or reports it missing.
func binary(t testing.TB) string {
	t.Helper()
	path := os.Getenv("RUNBOOK_TEMPORAL_CLI")
	if path == "" {
		path = CLI
	}
	if _, err := os.Stat(path); err != nil {
		testenv.Missing(t, "the Temporal CLI is required (run .ci/deps, or set RUNBOOK_TEMPORAL_CLI): %v", err)
	}
	return path
}

// Options shape a server.
type Options struct {
	// Netns runs the server inside that network namespace (see
	// internal/netnstest), listening on every address there (the
	// development server's services reach each other on 127.0.0.1 while
	// clients come through the namespace's links).
	Netns string
	// IP is the address its clients reach it at: where it listens
	// without Netns; 127.0.0.1 when empty.
	IP string
	// Namespaces are Temporal namespaces created at launch, besides
	// "default".
	Namespaces []string
}

// Start starts a development server on 127.0.0.1 and stops it when the
// test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith starts a development server shaped by opts and stops it when
// the test ends.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := binary(t)
	if opts.Netns != "" {
		testenv.Need(t, "ip")
	}
	s, err := start(bin, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("Temporal server log:\n%s", s.log.String())
		}
	})
	return s
}

// start starts a development server and waits until it answers.
func start(bin string, opts Options) (*Server, error) {
	ip := cmp.Or(opts.IP, "127.0.0.1")
	ports := make([]int, 4)
	for i := range ports {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[i] = port
	}
	s := &Server{HostPort: net.JoinHostPort(ip, strconv.Itoa(ports[0])), Namespace: "default", bin: bin, netns: opts.Netns,
		log: &sshdtest.SyncBuffer{}, exited: make(chan struct{})}
	bind := ip
	if opts.Netns != "" {
		bind = "0.0.0.0"
	}
	args := []string{"server", "start-dev", "--headless", "--ip", bind,
		"--port", strconv.Itoa(ports[0]), "--ui-port", strconv.Itoa(ports[1]), "--http-port", strconv.Itoa(ports[2]),
		"--metrics-port", strconv.Itoa(ports[3]), "--log-level", "error"}
	for _, ns := range opts.Namespaces {
		args = append(args, "--namespace", ns)
	}
	s.cmd = s.command(args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the Temporal server: %w", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.wait(); err != nil {
		s.stop()
		return nil, fmt.Errorf("the Temporal server at %s: %w\n%s", s.HostPort, err, s.log.String())
	}
	return s, nil
}

// command returns the command that runs the CLI with args, inside the
// server's network namespace when it has one.
func (s *Server) command(args ...string) *exec.Cmd {
	if s.netns != "" {
		return netnstest.Command(s.netns, s.bin, args...)
	}
	return exec.Command(s.bin, args...)
}

// stop stops the server: SIGTERM, then SIGKILL after 10 seconds.
func (s *Server) stop() {
	sshdtest.Terminate(s.cmd.Process, s.exited, 10*time.Second)
}

// Flags returns the flags of runbook run, attach and worker that name
// the server and its namespace.
func (s *Server) Flags() []string {
	return []string{"--temporal", s.HostPort, "--namespace", s.Namespace}
}

// wait waits until the server's default namespace answers.
func (s *Server) wait() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		check := s.command("operator", "namespace", "describe", "--address", s.HostPort, "--namespace", "default")
		if err := check.Run(); err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("it exited")
		case <-ctx.Done():
			return fmt.Errorf("it did not answer: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// PID returns the process id of the server.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// sharedNamespaces is how many Temporal namespaces the shared server
// creates at launch, one for each test that uses it; a test beyond them
// gets a server of its own.
const sharedNamespaces = 48

// shared is the server the tests of a package share.
var shared struct {
	mu     sync.Mutex
	server *Server
	err    error
	tried  bool
	next   int
}

// Shared returns the development server that the tests of the package
// share, started by the first test that asks for it, with a Temporal
// namespace of the test's own: its runs, task queues and workflow ids
// meet no other test's. The package's TestMain calls StopShared after
// its tests. When the namespaces run out, the test gets a server of its
// own (Start).
func Shared(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.tried {
		shared.tried = true
		names := make([]string, sharedNamespaces)
		for i := range names {
			names[i] = fmt.Sprintf("test-%02d", i+1)
		}
		shared.server, shared.err = start(bin, Options{Namespaces: names})
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	if shared.next == sharedNamespaces {
		return Start(t)
	}
	shared.next++
	s := *shared.server
	s.Namespace = fmt.Sprintf("test-%02d", shared.next)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("shared Temporal server log:\n%s", s.log.String())
		}
	})
	return &s
}

// StopShared stops the shared server, if a test started it.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.server != nil {
		shared.server.stop()
		shared.server = nil
	}
}

// History returns the history of the last run of workflow id in the
// server's namespace, as the Temporal CLI shows it in JSON: the names
// of its activities and signals, its payloads encrypted.
func (s *Server) History(id string) (string, error) {
	out, err := s.command("workflow", "show", "--address", s.HostPort, "--namespace", s.Namespace, "--workflow-id", id, "--output", "json").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("temporal workflow show %s: %w: %s", id, err, out)
	}
	return string(out), nil
}

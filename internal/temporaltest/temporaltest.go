// Package temporaltest starts a real Temporal server for tests: the
// Temporal CLI's development server ("temporal server start-dev"), on a
// loopback port of its own with an in-memory store, stopped when the test
// ends.
//
// The CLI binary is found at $RUNBOOK_TEMPORAL_CLI, or at CLI, where
// .ci/deps installs it. When it is missing a test is skipped, except
// under CI=true, where it fails.
package temporaltest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/testenv"
)

// CLI is where .ci/deps installs the Temporal CLI.
const CLI = "/usr/local/lib/runbook/temporal-cli-v1.5.1/temporal"

// Server is a running development server.
type Server struct {
	// HostPort is the address of its frontend, for clients and workers.
	HostPort string
	cmd      *exec.Cmd
	log      *sshdtest.SyncBuffer
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

// Start starts a development server on 127.0.0.1 and stops it when the
// test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	ports := make([]int, 4)
	for i := range ports {
		ports[i] = freePort(t)
	}
	s := &Server{HostPort: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])), log: &sshdtest.SyncBuffer{}}
	s.cmd = exec.Command(bin, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
		"--port", strconv.Itoa(ports[0]), "--ui-port", strconv.Itoa(ports[1]), "--http-port", strconv.Itoa(ports[2]),
		"--metrics-port", strconv.Itoa(ports[3]), "--log-level", "error")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start the Temporal server: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = s.cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("Temporal server log:\n%s", s.log.String())
		}
	})
	if err := s.wait(exited); err != nil {
		t.Fatalf("the Temporal server at %s: %v\n%s", s.HostPort, err, s.log.String())
	}
	return s
}

// wait waits until the server's default namespace answers.
func (s *Server) wait(exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		check := exec.CommandContext(ctx, s.cmd.Path, "operator", "namespace", "describe", "--address", s.HostPort, "--namespace", "default")
		if err := check.Run(); err == nil {
			return nil
		}
		select {
		case <-exited:
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
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

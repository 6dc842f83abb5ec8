package faulttest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// The runbook command, built once for the tests that need it and removed
// by TestMain.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// runbookBinary returns the path of the runbook command, building it on
// first use.
func runbookBinary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "runbook-faulttest-")
		if built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "runbook")
		out, err := exec.Command("go", "build", "-o", built.path, "github.com/runbookhq/runbook/cmd/runbook").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build ./cmd/runbook: %w\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// cliEnv returns the environment of the runbook command: the test's own
// without an ssh-agent, colours or RUNBOOK_VAR_ values, with a home of its
// own whose ~/.ssh/config sets the connect timeout, and extra appended.
func cliEnv(t testing.TB, extra ...string) []string {
	t.Helper()
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf("Host *\n  ConnectTimeout %d\n", int(connectTimeout.Seconds()))
	if err := os.WriteFile(filepath.Join(home, ".ssh", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "SSH_AUTH_SOCK" || name == "NO_COLOR" || name == "HOME" || strings.HasPrefix(name, "RUNBOOK_VAR_") {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "HOME="+home), extra...)
}

// cli is a running runbook command.
type cli struct {
	cmd            *exec.Cmd
	stdout, stderr *sshdtest.SyncBuffer
	done           chan struct{}
}

// startCLI starts the runbook command with env and args. It is killed,
// if still running, when the test ends or testDeadline passes.
func startCLI(t testing.TB, env []string, args ...string) *cli {
	t.Helper()
	c := &cli{stdout: &sshdtest.SyncBuffer{}, stderr: &sshdtest.SyncBuffer{}, done: make(chan struct{})}
	c.cmd = exec.Command(runbookBinary(t), args...)
	c.cmd.Env = env
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	kill := time.AfterFunc(testDeadline, func() { _ = c.cmd.Process.Kill() })
	t.Cleanup(func() {
		kill.Stop()
		_ = c.cmd.Process.Kill()
		<-c.done
	})
	return c
}

// wait waits for the command to end and returns its exit status, failing
// the test when it was killed for running past testDeadline.
func (c *cli) wait(t testing.TB) int {
	t.Helper()
	<-c.done
	code := c.cmd.ProcessState.ExitCode()
	if code < 0 {
		t.Fatalf("runbook did not end by itself (%s)\nstdout:\n%s\nstderr:\n%s", c.cmd.ProcessState, c.stdout, c.stderr)
	}
	return code
}

// waitStdout waits until the command's standard output holds text,
// failing the test when it ends or settleTime passes first.
func (c *cli) waitStdout(t testing.TB, text string) {
	t.Helper()
	for end := time.Now().Add(settleTime); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(c.stdout.String(), text) {
			return
		}
		select {
		case <-c.done:
			t.Fatalf("runbook ended before printing %q\nstdout:\n%s\nstderr:\n%s", text, c.stdout, c.stderr)
		default:
		}
	}
	t.Fatalf("runbook did not print %q\nstdout:\n%s\nstderr:\n%s", text, c.stdout, c.stderr)
}

// signal sends sig to the command.
func (c *cli) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
}

// runCLI runs the runbook command to its end and returns what it printed
// and its exit status.
func runCLI(t testing.TB, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	c := startCLI(t, env, args...)
	code = c.wait(t)
	return c.stdout.String(), c.stderr.String(), code
}

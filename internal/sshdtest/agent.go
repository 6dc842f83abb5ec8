package sshdtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/testenv"
)

// StartAgent starts an ssh-agent holding the keys in files and returns the
// path of its socket. The agent is ended when the test ends.
func StartAgent(t testing.TB, files ...string) string {
	t.Helper()
	agentPath := testenv.Need(t, "ssh-agent")
	addPath := testenv.Need(t, "ssh-add")
	sock := filepath.Join(t.TempDir(), "agent.sock")
	cmd := exec.Command(agentPath, "-D", "-a", sock)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ssh-agent: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	if err := waitForFile(sock, exited); err != nil {
		t.Fatalf("ssh-agent: %v", err)
	}
	for _, f := range files {
		add := exec.Command(addPath, f)
		add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("ssh-add %s: %v: %s", f, err, out)
		}
	}
	return sock
}

// waitForFile waits until path exists, or the process behind exited ends.
func waitForFile(path string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("exited before creating its socket")
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errors.New("did not create its socket in time")
}

package sim

import (
	"strings"
	"testing"
	"time"
)

// TestCutConnections cuts a host's SSH connections while one runs a
// command and has started another in a session of its own: the
// connection's command ends with it, the detached one goes on.
func TestCutConnections(t *testing.T) {
	h := StartHost(t, HostOptions{Name: "primary"})
	mark, started := "/tmp/cut-survived", "/tmp/cut-started"
	done := make(chan error, 1)
	go func() {
		_, err := ssh(t, h, "setsid sh -c 'sleep 3; touch "+mark+"' </dev/null >/dev/null 2>&1 & touch "+started+"; sleep 60")
		done <- err
	}()
	waitExists(t, h, started, "the session's command to start")
	if n, err := h.CutConnections(); err != nil || n == 0 {
		t.Fatalf("CutConnections = %d, %v; want the session's sshd cut", n, err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("the cut session's command ended well")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cut session's command goes on")
	}
	waitExists(t, h, mark, "the command started in a session of its own to outlive the connection")
}

// waitExists waits until path exists on h, failing the test, named by
// what it waited for, after a minute: a bound for a loaded machine, not
// an expectation of speed.
func waitExists(t *testing.T, h *Host, path, what string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if out, err := h.Exec(bg, "test -e "+path+" && echo yes"); err == nil && strings.TrimSpace(out) == "yes" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

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
	mark := "/tmp/cut-survived"
	done := make(chan error, 1)
	go func() {
		_, err := ssh(t, h, "setsid sh -c 'sleep 3; touch "+mark+"' </dev/null >/dev/null 2>&1 & echo started; sleep 60")
		done <- err
	}()
	time.Sleep(time.Second)
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
	deadline := time.Now().Add(10 * time.Second)
	for {
		if out, err := h.Exec(bg, "test -e "+mark+" && echo yes"); err == nil && strings.TrimSpace(out) == "yes" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the command started in a session of its own died with the connection")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

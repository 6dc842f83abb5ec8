package sshtransport

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// startLimit is the number of bytes from the client past which the proxy
// of these tests cuts a connection: more than a handshake and a few small
// commands send, less than one exec request of paddedScript.
const startLimit = 24 << 10

// paddedScript returns script with a comment that makes its exec request
// larger than startLimit, so that the proxy cuts the connection while the
// request is sent: the session is open, and the command never reaches sshd.
func paddedScript(script string) string {
	return script + "\n# " + strings.Repeat("x", 2*startLimit)
}

// TestRedialWhenConnectionBreaksAtStart breaks the connection after a
// session opened and before its command reached sshd: the command runs
// once, on a new connection.
func TestRedialWhenConnectionBreaksAtStart(t *testing.T) {
	p, h := proxiedHost(t)
	mustRunScript(t, h, "true")
	log := filepath.Join(t.TempDir(), "runs")
	p.cutAbove(startLimit, 1)
	res := mustRunScript(t, h, paddedScript("echo ran >> "+log+"; echo ok"))
	if string(res.Stdout) != "ok\n" {
		t.Fatalf("stdout %q, want ok", res.Stdout)
	}
	if b, err := os.ReadFile(log); err != nil || string(b) != "ran\n" {
		t.Fatalf("the command's log holds %q (%v), want one run", b, err)
	}
	if n := p.accepted.Load(); n != 2 {
		t.Fatalf("%d connections made, want 2", n)
	}
}

// TestConnectionLostBeforeStart breaks every connection while a command
// is being started: after one redial the command fails with
// ErrConnectionLost, saying it never started, and a small command that
// follows runs.
func TestConnectionLostBeforeStart(t *testing.T) {
	p, h := proxiedHost(t)
	mustRunScript(t, h, "true")
	p.cutAbove(startLimit, -1)
	_, err := h.Run(context.Background(), transport.Command{Script: paddedScript("true")})
	if !errors.Is(err, transport.ErrConnectionLost) || !strings.Contains(err.Error(), "before the command started") {
		t.Fatalf("got %v, want ErrConnectionLost before the command started", err)
	}
	if n := p.accepted.Load(); n != 2 {
		t.Fatalf("%d connections made, want 2 (one redial)", n)
	}
	p.cutAbove(0, 0)
	mustRunScript(t, h, "true")
}

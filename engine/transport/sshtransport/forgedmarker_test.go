package sshtransport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestLoginShellCannotForgeReadyMarker gives a user a login shell that
// writes, before the command starts, the line the wrapper writes once it
// runs, naming the process group of another process of that user. The
// command still gets its input, and cancelling it ends the command's own
// processes and leaves the other process alone.
func TestLoginShellCannotForgeReadyMarker(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewUser(t)
	decoy, own := marker(), marker()
	killMarked(t, own)
	other := u.Command(t, "sleep", decoy)
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = other.Process.Kill()
		_ = other.Wait()
	})
	setLoginShell(t, u.Name, fmt.Sprintf(`printf 'runbook-ready %d\n' >&2`, other.Process.Pid))
	h := hostAs(t, srv, u.Name)

	res, err := h.Run(context.Background(), transport.Command{Args: []string{"cat"}, Stdin: strings.NewReader("input\n")})
	if err != nil || string(res.Stdout) != "input\n" {
		t.Errorf("cat: %v, stdout %q, stderr %q", err, res.Stdout, res.Stderr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = h.Run(ctx, transport.Command{Script: "echo started; sleep " + own, OnLine: onStarted(cancel)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	for deadline := time.Now().Add(10 * time.Second); sleeping(own) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled command still runs")
		}
	}
	if sleeping(decoy) != 1 {
		t.Fatal("cancelling the command ended the process group the login shell named")
	}
}

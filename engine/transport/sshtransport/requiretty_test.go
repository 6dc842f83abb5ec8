package sshtransport

import (
	"context"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestRequireTTYWarnsOnce runs sudo commands on a host whose sudoers
// says `Defaults requiretty`: the first finds out and says so once, as a
// warning naming the host, and the later ones go straight to a terminal.
// The terminal sudo gets echoes nothing and interprets no byte.
func TestRequireTTYWarnsOnce(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewSudoUserWith(t, "requiretty", "NOPASSWD:")
	cfg := testConfig(srv)
	cfg.User = u.Name
	cfg.Name = "tty-host"
	warnings := collectWarnings(&cfg)
	h := newHost(t, cfg)
	for range 3 {
		res, err := h.Run(context.Background(), transport.Command{Script: "stty -a </dev/tty", Sudo: &transport.Sudo{}})
		if err != nil || !res.OK() {
			t.Fatalf("stty through sudo: %v, exit %d, stderr %q", err, res.ExitCode, res.Stderr)
		}
		for _, mode := range []string{"-echo", "-icanon", "-isig", "-iexten", "-opost", "-ixon", "-icrnl"} {
			if !strings.Contains(" "+strings.ReplaceAll(string(res.Stdout), "\n", " ")+" ", " "+mode+" ") {
				t.Errorf("the terminal sudo runs on is not %s:\n%s", mode, res.Stdout)
			}
		}
	}
	got := warnings()
	if len(got) != 1 || !strings.Contains(got[0], "tty-host") || !strings.Contains(got[0], "requiretty") {
		t.Fatalf("warnings %q, want one naming tty-host and requiretty", got)
	}
	if !h.(*host).needsTTY() {
		t.Fatal("the host is not remembered as needing a terminal for sudo")
	}
}

package sshtransport

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestSudoMessagesReadInAnyLanguage logs in with a login shell that sets
// LANGUAGE=fr and LC_ALL=C.UTF-8, in which sudo speaks French: sudo's
// refusal without a terminal and its demand for a password are still
// understood, since sudo runs with LC_ALL=C, and the command gets the
// LC_ALL and LANGUAGE it would have had (sudoers keeps both here).
func TestSudoMessagesReadInAnyLanguage(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	const french = "export LANGUAGE=fr LC_ALL=C.UTF-8"
	u := sshdtest.NewSudoUserWith(t, `requiretty,env_keep+="LC_ALL LANGUAGE"`, "NOPASSWD:")
	setLoginShell(t, u.Name, french)
	res, err := hostAs(t, srv, u.Name).Run(context.Background(), transport.Command{
		Script: `printf '%s|%s' "${LC_ALL-unset}" "${LANGUAGE-unset}"`, Sudo: &transport.Sudo{},
	})
	if err != nil || !res.OK() || string(res.Stdout) != "C.UTF-8|fr" {
		t.Fatalf("sudo: %v, exit %d, stdout %q, stderr %q; want stdout %q", err, res.ExitCode, res.Stdout, res.Stderr, "C.UTF-8|fr")
	}
	asked := sshdtest.NewSudoUserWith(t, "requiretty,timestamp_timeout=0", "")
	setLoginShell(t, asked.Name, french)
	_, err = hostAs(t, srv, asked.Name).Run(context.Background(), transport.Command{Args: []string{"true"}, Sudo: &transport.Sudo{}})
	if !errors.Is(err, transport.ErrSudoPasswordRequired) {
		t.Fatalf("sudo without a password: %v, want ErrSudoPasswordRequired", err)
	}
}

// TestRequireTTYSetupFailureIsExplained gives the login shell a TMPDIR
// that does not exist, so that the FIFOs of a command on a terminal
// cannot be made: the command fails, quoting mktemp, and nothing hangs.
func TestRequireTTYSetupFailureIsExplained(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewSudoUserWith(t, "requiretty", "NOPASSWD:")
	setLoginShell(t, u.Name, "export TMPDIR=/nonexistent-runbook-dir")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := hostAs(t, srv, u.Name).Run(ctx, transport.Command{Args: []string{"true"}, Sudo: &transport.Sudo{}})
	if err == nil || !strings.Contains(err.Error(), "set up a terminal for sudo") || !strings.Contains(err.Error(), "mktemp") {
		t.Fatalf("run: %v, want it to say that the terminal could not be set up, quoting mktemp", err)
	}
}

// TestRequireTTYNeedsTwoSessions refuses, before connecting, a sudo
// command on a host known to need a terminal for sudo when MaxSessions
// leaves room for one session only.
func TestRequireTTYNeedsTwoSessions(t *testing.T) {
	h := newHost(t, Config{Address: "127.0.0.1", MaxSessions: 1})
	h.(*host).tty.Store(true)
	_, err := h.Run(context.Background(), transport.Command{Args: []string{"true"}, Sudo: &transport.Sudo{}})
	if err == nil || !strings.Contains(err.Error(), "MaxSessions is 1") {
		t.Fatalf("run: %v, want a refusal naming MaxSessions", err)
	}
}

// TestRequireTTYRelayFailureLeavesNoFIFOs runs a sudo command on a host
// that needs a terminal for sudo and whose sshd allows one session per
// connection, which runbook was not told: the session with the terminal
// makes its FIFOs, and the relay session cannot open. The command fails,
// and the directory of the FIFOs is removed from the host.
func TestRequireTTYRelayFailureLeavesNoFIFOs(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{MaxSessions: 1})
	u := sshdtest.NewSudoUserWith(t, "requiretty", "NOPASSWD:")
	tmp := sshdtest.SharedDir(t, "runbook-tmpdir-", 0o777)
	setLoginShell(t, u.Name, "export TMPDIR="+tmp)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := hostAs(t, srv, u.Name).Run(ctx, transport.Command{Args: []string{"true"}, Sudo: &transport.Sudo{}})
	if err == nil {
		t.Fatal("the command ran, with one session allowed")
	}
	for {
		left, _ := filepath.Glob(filepath.Join(tmp, "runbook-tty.*"))
		if len(left) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the FIFOs are left on the host after %v: %q", err, left)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

package main

import (
	"fmt"
	"os/user"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// peerArgs returns the arguments that give testdata/peer.hcl the address,
// port and key of each server, after cmd and before extra.
func peerArgs(t *testing.T, cmd string, primary, secondary *sshdtest.Server, extra ...string) []string {
	t.Helper()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	server := func(srv *sshdtest.Server) string {
		return fmt.Sprintf("{address = %q, port = %d, key = %q}", srv.Host, srv.Port, srv.ClientKey.File)
	}
	servers := fmt.Sprintf("servers={primary = %s, secondary = %s}", server(primary), server(secondary))
	return append([]string{cmd, "testdata/peer.hcl", "-var", "user=" + me.Username, "-var", servers}, extra...)
}

// TestLimitLeavesPeerUntouched runs, under --limit primary, a playbook
// whose task on the primary works on the secondary too: the task is
// skipped, saying why, and the secondary's sshd never accepts a login.
func TestLimitLeavesPeerUntouched(t *testing.T) {
	primary := sshdtest.Start(t, sshdtest.Options{})
	secondary := sshdtest.Start(t, sshdtest.Options{})

	plan := runbookSSH(t, peerArgs(t, "plan", primary, secondary, "--limit", "primary")...)
	plan.wantCode(t, exitOK)
	for _, want := range []string{"keys (key_exchange), with secondary", "skipped: the limit leaves out its peer secondary"} {
		if !strings.Contains(plan.stdout, want) {
			t.Errorf("plan does not say %q:\n%s", want, plan.stdout)
		}
	}

	r := runbookSSH(t, peerArgs(t, "run", primary, secondary, "--limit", "primary", "--output", "json",
		"--known-hosts", primary.KnownHosts, "--known-hosts", secondary.KnownHosts)...)
	r.wantCode(t, exitOK)
	status := map[string]string{}
	for _, e := range parseEvents(t, r.stdout) {
		if e.Kind == engine.EventTaskFinished {
			status[e.Task+"@"+e.Host] = string(e.Status) + ": " + e.Error
		}
	}
	if got := status["keys@primary"]; got != "skipped: task keys on host primary: not run: the limit leaves out its peer secondary" {
		t.Errorf("keys@primary %q", got)
	}
	if got := status["whoami@primary"]; got != "changed: " {
		t.Errorf("whoami@primary %q", got)
	}
	if !strings.Contains(primary.Log(), "Accepted publickey") {
		t.Errorf("the primary accepted no login:\n%s", primary.Log())
	}
	if strings.Contains(secondary.Log(), "Accepted") {
		t.Errorf("the secondary, which the limit leaves out, accepted a login:\n%s", secondary.Log())
	}
}

// TestTranscriptLabelsPeerLines shows the output of a failed instance
// with each line from its peer labelled with the peer's name.
func TestTranscriptLabelsPeerLines(t *testing.T) {
	tr := transcripts{}
	tr.record(engine.Event{Kind: engine.EventTaskStarted, Task: "keys", Host: "primary"})
	tr.record(engine.Event{Kind: engine.EventOutput, Task: "keys", Host: "primary", Line: "here"})
	tr.record(engine.Event{Kind: engine.EventOutput, Task: "keys", Host: "primary", On: "secondary", Line: "there"})
	got := tr.finish(engine.Event{Kind: engine.EventTaskFinished, Task: "keys", Host: "primary", Status: engine.StatusFailed}, palette(false))
	if want := "    | here\n    | [secondary] there\n"; got != want {
		t.Errorf("output shown %q, want %q", got, want)
	}
}

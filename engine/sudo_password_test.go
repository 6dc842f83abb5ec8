package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// TestRunSudoPasswordFillsHostsWithout checks RunOptions.SudoPassword: it
// is the sudo password of the hosts whose block sets none or an empty
// one; a host's own wins; it never shows.
func TestRunSudoPasswordFillsHostsWithout(t *testing.T) {
	p := mustLoad(t, `
host "own" {
  sudo_password = "own-password"
}
host "blank" {
  sudo_password = ""
}
host "bare" {}
task "shell" "root" {
  on     = [host.own, host.blank, host.bare]
  script = self.name
  sudo   = true
}
`, LoadOptions{})
	fake := &fakeHost{}
	rec := &recorder{}
	_, err := Run(context.Background(), p, RunOptions{
		Connect:      func(HostConfig) (transport.Host, error) { return fake, nil },
		Subscribers:  []Subscriber{rec},
		SudoPassword: "run-password",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range fake.cmds {
		got[c.Script] = c.Sudo.Password
	}
	want := map[string]string{"own": "own-password", "blank": "run-password", "bare": "run-password"}
	for host, pw := range want {
		if got[host] != pw {
			t.Errorf("host %s: sudo password %q, want %q", host, got[host], pw)
		}
	}
	events, _ := json.Marshal(rec.all())
	if strings.Contains(string(events), "run-password") || strings.Contains(string(events), "own-password") {
		t.Errorf("an event shows a sudo password: %s", events)
	}
}

package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/internal/loadtest"
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

// TestSudoPasswordNotOneLineRefused gives a sudo password with a newline,
// where sudo would stop reading it and leave the rest to the command, in
// a host block and to Run: the playbook is refused at load, and Run
// before it connects to any host. Neither error shows the password.
func TestSudoPasswordNotOneLineRefused(t *testing.T) {
	const pw = "first-line\nsecond-line"
	_, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": `
variable "pw" {
  type      = string
  sensitive = true
}
host "a" {
  sudo_password = var.pw
}
`}), LoadOptions{Vars: []string{"pw=" + pw}})
	if text := diagText(nil, diags); !diags.HasErrors() || !strings.Contains(text, "Invalid sudo password") || strings.Contains(text, "second-line") {
		t.Errorf("load: %s", text)
	}

	p := mustLoad(t, `
host "a" {}
task "shell" "root" {
  on     = [host.a]
  script = "true"
  sudo   = true
}
`, LoadOptions{})
	fake := &fakeHost{}
	_, err := Run(context.Background(), p, RunOptions{
		Connect:      func(HostConfig) (transport.Host, error) { return fake, nil },
		SudoPassword: pw,
	})
	if err == nil || strings.Contains(err.Error(), "second-line") || len(fake.cmds) > 0 {
		t.Errorf("run: %v, %d commands", err, len(fake.cmds))
	}
}

// TestSudoUser checks that sudo_user runs a task's commands through sudo
// as that user, with the host's sudo password, and the refusals of a
// name that is not a user and of sudo = false beside it.
func TestSudoUser(t *testing.T) {
	p := mustLoad(t, `
host "a" {
  sudo_password = "pw"
}
task "shell" "as_postgres" {
  on        = host.a
  script    = "id -un"
  sudo_user = "postgres"
}
task "shell" "as_root" {
  on     = host.a
  script = "id -u"
  sudo   = true
}
`, LoadOptions{})
	fake := &fakeHost{}
	if _, err := Run(context.Background(), p, RunOptions{Connect: func(HostConfig) (transport.Host, error) { return fake, nil }}); err != nil {
		t.Fatal(err)
	}
	got := map[string]transport.Sudo{}
	for _, c := range fake.cmds {
		got[c.Script] = *c.Sudo
	}
	if got["id -un"] != (transport.Sudo{User: "postgres", Password: "pw"}) || got["id -u"] != (transport.Sudo{Password: "pw"}) {
		t.Errorf("sudo of the commands: %+v", got)
	}
	_, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": `
task "shell" "a" {
  script    = "true"
  sudo_user = "post gres"
}
task "shell" "b" {
  script    = "true"
  sudo      = false
  sudo_user = "postgres"
}
`}), LoadOptions{})
	if text := loadtest.Flat(diagText(nil, diags)); !strings.Contains(text, `"post gres" is not`) || !strings.Contains(text, "which sudo = false refuses") {
		t.Errorf("load: %s", text)
	}
}

package main

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

func TestExecOverSSH(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(t.TempDir(), "hosts.hcl")
	hosts := `host "web" {
  address = "` + srv.Host + `"
  port    = ` + strconv.Itoa(srv.Port) + `
  user    = "` + me.Username + `"
  groups  = ["web"]
}
host "db" {
  address = "` + srv.Host + `"
  port    = ` + strconv.Itoa(srv.Port) + `
  user    = "` + me.Username + `"
}
`
	if err := os.WriteFile(inv, []byte(hosts), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runbookSSH(t, "exec", "-i", inv, "--limit", "web", "--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts,
		"--output", "json", "--", "echo", "${HOME}", "%{x}")
	r.wantCode(t, exitOK)
	ran := 0
	for _, e := range parseEvents(t, r.stdout) {
		if e.Kind != "task_finished" {
			continue
		}
		ran++
		if e.Host != "web" || e.Outputs["stdout"] != "${HOME} %{x}" {
			t.Errorf("%s printed %v, want the arguments as they are", e.Host, e.Outputs["stdout"])
		}
	}
	if ran != 1 {
		t.Errorf("%d instances ran, want 1 (web)", ran)
	}
	runbookSSH(t, "exec", "-i", inv).wantCode(t, exitUsage)
	r = runbookSSH(t, "exec", "-i", inv, "--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts, "--output", "json", "--", "false")
	r.wantCode(t, exitTaskFailed)

	// In text, what the command prints shows as it comes, each line once,
	// whether the command succeeds or fails.
	for _, c := range []struct {
		script string
		code   int
	}{{"echo up 3 days; echo load 0.5 >&2", exitOK}, {"echo up 3 days; echo load 0.5 >&2; exit 4", exitTaskFailed}} {
		r = runbookSSH(t, "exec", "-i", inv, "--limit", "web", "--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts, "--", "sh", "-c", c.script)
		r.wantCode(t, c.code)
		for _, line := range []string{"web exec | up 3 days", "web exec | load 0.5"} {
			if n := strings.Count(r.stdout, line); n != 1 {
				t.Errorf("%s: the output shows %q %d times, want once:\n%s", c.script, line, n, r.stdout)
			}
		}
	}
}

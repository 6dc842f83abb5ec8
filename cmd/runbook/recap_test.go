package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
)

func TestRecapSaysFailedAfterChange(t *testing.T) {
	var b strings.Builder
	writeFailures(&b, []engine.InstanceResult{{
		InstanceInfo: engine.InstanceInfo{Task: "swap", Module: "shell", Host: "db"},
		Status:       engine.StatusFailed,
		Changed:      true,
		Err:          errors.New("disk full"),
	}}, palette(false))
	if want := "  swap on db (shell), changed before it failed: disk full\n"; !strings.Contains(b.String(), want) {
		t.Errorf("recap:\n%s\nwant the line %q", b.String(), want)
	}
}

func TestRecapSaysWhySkipped(t *testing.T) {
	var b strings.Builder
	var results []engine.InstanceResult
	for _, host := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		results = append(results, engine.InstanceResult{
			InstanceInfo: engine.InstanceInfo{Task: "restart", Module: "shell", Host: host},
			Status:       engine.StatusSkipped,
			Reason:       engine.ReasonNothingChanged,
		})
	}
	writeReasons(&b, results)
	want := "\nSKIPPED, nothing changed: restart@a, restart@b, restart@c, restart@d, restart@e, restart@f, restart@g, restart@h, restart@i, restart@j and 2 more\n"
	if b.String() != want {
		t.Errorf("recap:\n%q\nwant\n%q", b.String(), want)
	}
}

func TestPlanAndRecapNameKeys(t *testing.T) {
	inst := engine.PlannedInstance{InstanceInfo: engine.InstanceInfo{Task: "user", Module: "command", Host: "web", Key: "alice", OnChange: []string{"conf@web"}}}
	var b strings.Builder
	writePlannedInstance(&b, inst, map[string]bool{"web": true}, palette(false))
	if want := "  ? user[alice] (command)\n      runs only if one of these changes: conf\n"; b.String() != want {
		t.Errorf("plan:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	writeFailures(&b, []engine.InstanceResult{{InstanceInfo: inst.InstanceInfo, Status: engine.StatusFailed}}, palette(false))
	if !strings.Contains(b.String(), "  user[alice] on web (command)") {
		t.Errorf("recap:\n%s", b.String())
	}
}

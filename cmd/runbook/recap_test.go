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

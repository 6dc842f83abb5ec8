package main

import (
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine"
)

// TestLiveViewRestored checks that the live view shows an instance a
// resumed run took from the journal apart from those that ran: its own
// mark and words above the live lines, its own count in them.
func TestLiveViewRestored(t *testing.T) {
	v := newLiveView(nil, false, map[string]int{"local": 3})
	restored := engine.Event{Kind: engine.EventTaskFinished, Task: "first", Module: "command", Host: "local",
		Status: engine.StatusChanged, Duration: 38 * time.Millisecond, Restored: true}
	if got, want := v.apply(restored), "↺ local  first restored changed\n"; got != want {
		t.Errorf("a restored instance is shown as %q, want %q", got, want)
	}
	ran := engine.Event{Kind: engine.EventTaskFinished, Task: "check", Module: "command", Host: "local",
		Status: engine.StatusChanged, Duration: 21 * time.Millisecond}
	if got, want := v.apply(ran), "~ local  check (21ms)\n"; got != want {
		t.Errorf("an instance that ran is shown as %q, want %q", got, want)
	}
	lines := v.lines()
	if want := "  local  2/3  ok 0  changed 1  failed 0  skipped 0  restored 1  waiting"; len(lines) != 1 || lines[0] != want {
		t.Errorf("live lines %q, want [%q]", lines, want)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine"
)

// TestLiveViewRestored checks that the live view shows an instance a
// resumed run took from the journal apart from those that ran: its own
// mark and words above the live lines, its own count in them.
func TestLiveViewRestored(t *testing.T) {
	v := newLiveView(nil, false, map[string]int{"local": 3}, false)
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

// TestLiveViewKeyedJobAndFailure checks that the live view names the key
// of an instance of a task with for_each in the lines of its detached
// job, and shows the output of a failed one with its own instance's,
// apart from another key's on the same host.
func TestLiveViewKeyedJobAndFailure(t *testing.T) {
	v := newLiveView(nil, false, map[string]int{"web": 2}, false)
	job := engine.Event{Kind: engine.EventOutput, Task: "restore", Host: "web", Key: "app", Stream: engine.StreamJob, Line: "50%"}
	if got := v.apply(job); !strings.Contains(got, "web restore[app] | 50%") {
		t.Errorf("a job's line of restore@web[app] is shown as %q", got)
	}
	for _, key := range []string{"alice", "bob"} {
		v.apply(engine.Event{Kind: engine.EventTaskStarted, Task: "user", Host: "web", Key: key})
		v.apply(engine.Event{Kind: engine.EventOutput, Task: "user", Host: "web", Key: key, Stream: "stdout", Line: "line of " + key})
	}
	got := v.apply(engine.Event{Kind: engine.EventTaskFinished, Task: "user", Host: "web", Key: "alice", Status: engine.StatusFailed, Error: "exit 1"})
	if !strings.Contains(got, "| line of alice") || strings.Contains(got, "line of bob") {
		t.Errorf("the failure of user@web[alice] is shown as:\n%s", got)
	}
}

// TestLiveViewHostWarning checks that the live view shows a warning about
// a host once, above the live lines, and counts nothing for it.
func TestLiveViewHostWarning(t *testing.T) {
	v := newLiveView(nil, false, map[string]int{"web": 1}, false)
	warning := engine.Event{Kind: engine.EventHostWarning, Host: "web", Line: "web has no SFTP subsystem"}
	if got, want := v.apply(warning), "! web  WARNING: web has no SFTP subsystem\n"; got != want {
		t.Errorf("a host warning is shown as %q, want %q", got, want)
	}
	lines := v.lines()
	if want := "  web  0/1  ok 0  changed 0  failed 0  skipped 0  waiting"; len(lines) != 1 || lines[0] != want {
		t.Errorf("live lines %q, want [%q]", lines, want)
	}
}

// TestJSONStreamBatches checks that JSON lines wait in the buffer until
// the engine flushes a batch, and that closing the view writes the rest.
func TestJSONStreamBatches(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := newJSONStream(newConsole(f))
	written := func() []string {
		t.Helper()
		data, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(string(data))
	}
	s.Event(engine.Event{Seq: 1, Kind: engine.EventOutput, Line: "a"})
	s.Event(engine.Event{Seq: 2, Kind: engine.EventOutput, Line: "b"})
	if got := written(); len(got) != 0 {
		t.Errorf("%d lines written before a flush", len(got))
	}
	s.Flush()
	s.Event(engine.Event{Seq: 3, Kind: engine.EventRunFinished})
	if got := written(); len(got) != 2 {
		t.Errorf("%d lines written after a flush, want 2", len(got))
	}
	s.close()
	if got := written(); len(got) != 3 || !strings.Contains(got[2], `"kind":"run_finished"`) {
		t.Errorf("after close the stream holds %q", got)
	}
}

func TestByteSizeFlag(t *testing.T) {
	for in, want := range map[string]string{"1": "1", "2048": "2KiB", "64KiB": "64KiB", "1MiB": "1MiB", "3GiB": "3GiB", "1536KiB": "1536KiB"} {
		var s byteSize
		if err := s.Set(in); err != nil || s.String() != want {
			t.Errorf("%q reads as %q (%v), want %q", in, s.String(), err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "1MB", "1.5MiB", "MiB", "2000GiB"} {
		var s byteSize
		if err := s.Set(in); err == nil {
			t.Errorf("%q reads as %s", in, s.String())
		}
	}
}

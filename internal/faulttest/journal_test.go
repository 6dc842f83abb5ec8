package faulttest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/journal"
)

// openJournal opens the journal of p in dir, closed when the test ends
// unless the test closes it first.
func openJournal(t testing.TB, dir string, p *engine.Playbook) *journal.Journal {
	t.Helper()
	j, err := journal.Open(dir, p.JournalKey())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// lastRun reads the run recorded in the only journal in dir, as a later
// run would find it.
func lastRun(t testing.TB, dir string) *journal.Run {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) != 1 {
		t.Fatalf("want one journal in %s, found %q (%v)", dir, files, err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var run journal.Run
	if err := json.Unmarshal(b, &run); err != nil {
		t.Fatalf("journal %s: %v", files[0], err)
	}
	return &run
}

// wantRecord fails the test unless run records the instance id with
// status ("" for one whose end was never recorded), and returns the
// record.
func wantRecord(t testing.TB, run *journal.Run, id string, status engine.Status) journal.Record {
	t.Helper()
	rec, ok := run.Record(id)
	switch {
	case !ok:
		t.Errorf("the journal has no record of %s", id)
	case rec.Status != string(status):
		t.Errorf("the journal records %s as %q (error %q), want %q", id, rec.Status, rec.Error, status)
	}
	return rec
}

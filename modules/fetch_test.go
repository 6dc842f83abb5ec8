package modules_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/runbookhq/runbook/modules"
)

// onlyEntry fails the test unless dir holds exactly the named entry,
// which shows that no temporary file was left behind.
func onlyEntry(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		t.Errorf("%s holds %v, want only %s", dir, entries, name)
	}
}

func TestFetchWritesLocalCopy(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "remote.log")
	if err := os.WriteFile(src, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	destDir := filepath.Join(dir, "fetched", "host1")
	f := newModule[*modules.Fetch](t, "fetch")
	f.Src = src
	f.Dest = filepath.Join(destDir, "remote.log")

	first := mustRun(t, f)
	want := modules.FetchOutputs{Dest: f.Dest, SHA256: sha256Hex("first\n"), Size: 6}
	if !first.Changed || first.Outputs != want {
		t.Errorf("first run: changed = %v, outputs = %+v; want changed and %+v", first.Changed, first.Outputs, want)
	}
	checkFile(t, f.Dest, "first\n", 0o644)

	if second := mustRun(t, f); second.Changed || second.Outputs != want {
		t.Errorf("second run: changed = %v, outputs = %+v; want unchanged and %+v", second.Changed, second.Outputs, want)
	}

	if err := os.WriteFile(src, []byte("second version\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if third := mustRun(t, f); !third.Changed {
		t.Error("a changed source reported no change")
	}
	checkFile(t, f.Dest, "second version\n", 0o644)
	onlyEntry(t, destDir, "remote.log")
}

func TestFetchMissingSourceLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	f := newModule[*modules.Fetch](t, "fetch")
	f.Src = filepath.Join(dir, "missing")
	f.Dest = filepath.Join(dir, "out", "copy")
	if _, err := run(t, f); err == nil {
		t.Fatal("fetching a missing file succeeded")
	}
	entries, err := os.ReadDir(filepath.Join(dir, "out"))
	if err != nil || len(entries) != 0 {
		t.Errorf("after a failed fetch the destination directory holds %v (%v), want nothing", entries, err)
	}
}

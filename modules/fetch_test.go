package modules_test

import (
	"os"
	"path/filepath"
	"strings"
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

// fetchOf returns a fetch module copying src into the directory dest.
func fetchOf(t *testing.T, src, dest string) *modules.Fetch {
	t.Helper()
	f := newModule[*modules.Fetch](t, "fetch")
	f.Src = src
	f.Dest = dest
	return f
}

// hostFile writes content to a new file of dir called remote.log, which
// the tests fetch, and returns its path.
func hostFile(t *testing.T, dir, content string) string {
	t.Helper()
	src := filepath.Join(dir, "remote.log")
	if err := os.WriteFile(src, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return src
}

// fetched returns where fetch puts the copy of src from the host called
// host under the directory dest: dest/HOST/SRC.
func fetched(dest, host, src string) string {
	return filepath.Join(dest, host, strings.TrimPrefix(src, "/"))
}

func TestFetchWritesLocalCopy(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "remote.log")
	if err := os.WriteFile(src, []byte("first\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	f := fetchOf(t, src, filepath.Join(dir, "fetched"))
	local := fetched(f.Dest, "local", src)

	first := mustRun(t, f)
	want := modules.FetchOutputs{Dest: local, SHA256: sha256Hex("first\n"), Size: 6}
	if !first.Changed || first.Outputs != want {
		t.Errorf("first run: changed = %v, outputs = %+v; want changed and %+v", first.Changed, first.Outputs, want)
	}
	checkFile(t, local, "first\n", 0o640)

	if second := mustRun(t, f); second.Changed || second.Outputs != want {
		t.Errorf("second run: changed = %v, outputs = %+v; want unchanged and %+v", second.Changed, second.Outputs, want)
	}

	if err := os.WriteFile(src, []byte("second version\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if third := mustRun(t, f); !third.Changed {
		t.Error("a changed source reported no change")
	}
	checkFile(t, local, "second version\n", 0o640)
	onlyEntry(t, filepath.Dir(local), "remote.log")
}

func TestFetchFlatWritesDest(t *testing.T) {
	dir := t.TempDir()
	src := hostFile(t, dir, "flat\n")
	f := fetchOf(t, src, filepath.Join(dir, "out", "copy.log"))
	f.Flat = true
	if res := mustRun(t, f); res.Outputs.(modules.FetchOutputs).Dest != f.Dest {
		t.Errorf("outputs %+v, want dest %s", res.Outputs, f.Dest)
	}
	checkFile(t, f.Dest, "flat\n", 0o600)
}

// TestFetchKeepsRemoteMode checks that the copy never has more
// permissions than the file on the host, and never a special bit.
func TestFetchKeepsRemoteMode(t *testing.T) {
	dir := t.TempDir()
	for remote, want := range map[os.FileMode]os.FileMode{
		0o600:                 0o600,
		0o640:                 0o640,
		0o755 | os.ModeSetuid: 0o755,
		0o700 | os.ModeSetgid: 0o700,
	} {
		src := filepath.Join(dir, "key")
		if err := os.WriteFile(src, []byte("key\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(src, remote); err != nil {
			t.Fatal(err)
		}
		f := fetchOf(t, src, filepath.Join(dir, "fetched"))
		if res := mustRun(t, f); !res.Changed && remote != 0o600 {
			t.Errorf("a new mode (%v) alone reported no change", remote)
		}
		checkFile(t, fetched(f.Dest, "local", src), "key\n", want)
		info, err := os.Stat(fetched(f.Dest, "local", src))
		if err != nil || info.Mode() != want {
			t.Errorf("the copy of a file of mode %v has mode %v (%v), want %v", remote, info.Mode(), err, want)
		}
	}
}

// TestFetchConfinedToDest gives fetch remote paths and host names that
// would lead out of dest: each is refused and nothing is written outside
// dest.
func TestFetchConfinedToDest(t *testing.T) {
	dir := t.TempDir()
	src := hostFile(t, dir, "data\n")
	dest := filepath.Join(dir, "fetched")
	outside := filepath.Join(dir, "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}

	up := newModule[*modules.Fetch](t, "fetch")
	up.Src, up.Dest = dir+"/../"+filepath.Base(dir)+"/remote.log", dest
	if err := up.Validate(); err == nil || !strings.Contains(err.Error(), "..") {
		t.Errorf("Validate of a src with ..: %v, want it refused", err)
	}

	for _, host := range []string{"..", "../outside", "a/b", "."} {
		f := fetchOf(t, src, dest)
		if _, err := runIn(t, newEnv(t, host, nil), f); err == nil {
			t.Errorf("fetch from a host called %q succeeded, want it refused", host)
		}
	}

	// A link under dest does not lead the copy out of it.
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dest, "local")); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, fetchOf(t, src, dest)); err == nil {
		t.Error("fetch through a link out of dest succeeded, want it refused")
	}
	if entries, err := os.ReadDir(outside); err != nil || len(entries) != 0 {
		t.Errorf("%s holds %v (%v) after the refused fetches, want nothing", outside, entries, err)
	}
}

func TestFetchRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	src := hostFile(t, dir, "data\n")
	f := fetchOf(t, src, filepath.Join(dir, "fetched"))
	local := fetched(f.Dest, "local", src)
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		t.Fatal(err)
	}
	// What a fetch killed while it wrote leaves behind.
	if err := os.WriteFile(filepath.Join(filepath.Dir(local), ".remote.log.runbook-1234"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, f)
	onlyEntry(t, filepath.Dir(local), "remote.log")
}

func TestFetchMissingSourceLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	f := fetchOf(t, filepath.Join(dir, "missing"), filepath.Join(dir, "out"))
	if _, err := run(t, f); err == nil {
		t.Fatal("fetching a missing file succeeded")
	}
	local := fetched(f.Dest, "local", f.Src)
	entries, err := os.ReadDir(filepath.Dir(local))
	if err != nil || len(entries) != 0 {
		t.Errorf("after a failed fetch the destination directory holds %v (%v), want nothing", entries, err)
	}
}

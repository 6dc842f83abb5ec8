package sim

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestUpDown starts a pair that outlives its starter and removes it with
// Down, as two runs of alation-sim do.
func TestUpDown(t *testing.T) {
	t.Parallel()
	RequireDeps(t)
	dir := filepath.Join(searchableTempDir(t), "pair")
	p, err := Up(PairOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	uppers := []string{layersOf(p.Primary.Dir).upper, layersOf(p.Secondary.Dir).upper}
	mustSSH(t, p.Secondary, "true")
	if _, err := Up(PairOptions{Dir: dir}); err == nil {
		t.Fatal("a second Up in the same directory succeeded")
	}
	if err := Down(dir); err != nil {
		t.Fatal(err)
	}
	assertGone(t, dir, uppers)
	errContains(t, Down(dir), "down "+dir)
}

// TestSweepStale tears down hosts whose owning process is gone.
func TestSweepStale(t *testing.T) {
	t.Parallel()
	RequireDeps(t)
	base := searchableTempDir(t)
	dir := filepath.Join(base, "run-abandoned")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	o, err := HostOptions{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	// An unlocked owner file stands for a test process that died; while
	// it is fresh, it may as well be one that is starting.
	lock := filepath.Join(dir, "owner.lock")
	if err := os.WriteFile(lock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if stale(dir) {
		t.Error("a fresh unlocked owner file counts as stale")
	}
	old := time.Now().Add(-2 * freshLock)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	hosts, err := startHosts([]HostOptions{o}, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	hosts[0].lock.release()
	upper := layersOf(hosts[0].Dir).upper
	if len(hostPIDs(upper)) == 0 {
		t.Fatal("no processes in the started host")
	}
	if err := sweepStale(base); err != nil {
		t.Fatal(err)
	}
	assertGone(t, dir, []string{upper})
}

// searchableTempDir is a temporary directory the postgres user can pass
// through, removed when t ends.
func searchableTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for d := filepath.Dir(dir); d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// assertGone checks that no process lives in the hosts and dir is gone.
func assertGone(t *testing.T, dir string, uppers []string) {
	t.Helper()
	for _, u := range uppers {
		if pids := hostPIDs(u); len(pids) > 0 {
			t.Fatalf("processes %v remain in %s", pids, u)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s remains: %v", dir, err)
	}
}

// BenchmarkStartPair measures starting and tearing down a pair, and
// reports each part.
func BenchmarkStartPair(b *testing.B) {
	var start, stop time.Duration
	for b.Loop() {
		t0 := time.Now()
		p := StartPair(b, PairOptions{})
		t1 := time.Now()
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		start, stop = start+t1.Sub(t0), stop+time.Since(t1)
	}
	b.ReportMetric(start.Seconds()/float64(b.N), "start-s/op")
	b.ReportMetric(stop.Seconds()/float64(b.N), "stop-s/op")
}

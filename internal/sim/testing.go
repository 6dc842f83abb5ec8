package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/runbookhq/runbook/internal/testenv"
)

// T is the part of testing.TB that the helpers for tests below use. They
// take it rather than testing.TB so that alation-sim, which links this
// package, does not link the testing package.
type T interface {
	testenv.T
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// RequireDeps skips t, with the reason, when this machine cannot run
// simulated hosts; when CI=true it fails t instead.
func RequireDeps(t T) {
	t.Helper()
	if err := CheckRequirements(); err != nil {
		testenv.Missing(t, "%v", err)
	}
}

// StartPair starts a primary and a secondary for t and tears them down
// when t ends, panics included. Hosts left behind by a test process that
// died are torn down first.
func StartPair(t T, opts PairOptions) *Pair {
	t.Helper()
	RequireDeps(t)
	dir, owner := testRunDir(t)
	p, err := startPair(opts, dir, false)
	if err != nil {
		owner.Close()
		os.RemoveAll(dir)
		t.Fatalf("start simulated alation pair: %v", err)
	}
	p.owner = owner
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("stop simulated alation pair: %v", err)
		}
	})
	return p
}

// StartHost starts one simulated host for t, with its own client key and
// known_hosts file, and tears it down when t ends.
func StartHost(t T, opts HostOptions) *Host {
	t.Helper()
	RequireDeps(t)
	o, err := opts.withDefaults()
	if err != nil {
		t.Fatalf("start simulated alation host: %v", err)
	}
	dir, owner := testRunDir(t)
	hosts, err := startHosts([]HostOptions{o}, dir, false)
	if err != nil {
		owner.Close()
		os.RemoveAll(dir)
		t.Fatalf("start simulated alation host: %v", err)
	}
	h := hosts[0]
	t.Cleanup(func() {
		err := h.Close()
		if err == nil {
			err = os.RemoveAll(dir)
		}
		owner.Close()
		if err != nil {
			t.Errorf("stop simulated alation host: %v", err)
		}
	})
	return h
}

// testRunDir sweeps stale runs and makes a directory for a new one,
// marked as owned by this process.
func testRunDir(t T) (string, *os.File) {
	t.Helper()
	base := filepath.Join(os.TempDir(), "alation-sim-test")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatalf("simulated alation host: %v", err)
	}
	if err := sweepStale(base); err != nil {
		t.Logf("simulated alation host: %v", err)
	}
	dir, err := os.MkdirTemp(base, "run-")
	if err != nil {
		t.Fatalf("simulated alation host: %v", err)
	}
	owner, err := lockOwner(dir)
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("simulated alation host: %v", err)
	}
	return dir, owner
}

// lockOwner creates dir/owner.lock and holds an exclusive lock on it for
// the caller's life, marking dir as in use.
func lockOwner(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "owner.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return f, nil
}

// staleUnlocked is how old a run directory without an owner lock must be
// before it counts as abandoned (it is briefly unlocked while created).
const staleUnlocked = 10 * time.Minute

// sweepStale tears down the runs under base whose owning process is gone:
// their owner lock is free.
func sweepStale(base string) error {
	entries, err := os.ReadDir(base)
	if err != nil {
		return fmt.Errorf("sweep %s: %w", base, err)
	}
	var first error
	for _, e := range entries {
		dir := filepath.Join(base, e.Name())
		if !stale(dir) {
			continue
		}
		if err := removeRun(dir); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// freshLock is how old an owner lock must be before a sweep may take it:
// a run's owner creates the file and then locks it, and a sweep that
// locked it in between would take a starting run for an abandoned one.
const freshLock = time.Minute

// stale reports whether the run in dir has no living owner.
func stale(dir string) bool {
	f, err := os.OpenFile(filepath.Join(dir, "owner.lock"), os.O_RDWR, 0)
	if err != nil {
		fi, serr := os.Stat(dir)
		return serr == nil && time.Since(fi.ModTime()) > staleUnlocked
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || time.Since(fi.ModTime()) < freshLock {
		return false
	}
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

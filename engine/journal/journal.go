package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Errors that callers test for with errors.Is.
var (
	// ErrBusy is returned by Open when another process holds the journal.
	ErrBusy = errors.New("journal in use by another run")
	// ErrUnreadable is wrapped by the error of Last when the file holds
	// no journal this package can read.
	ErrUnreadable = errors.New("journal unreadable")
	// ErrClosed is returned by Begin on a closed journal, and by Put and
	// End when no run is being recorded.
	ErrClosed = errors.New("journal closed")
)

// Journal is the journal of one playbook and inventory, open for a run.
// Its methods are safe for concurrent use.
type Journal struct {
	dir, path string
	lock      *os.File
	last      *Run
	lastErr   error

	mu      sync.Mutex
	cond    sync.Cond         // signalled when a write ends
	run     *Run              // the run being recorded, without its records; nil before Begin and after End
	records map[string]Record // the records of run, by instance ID
	log     *os.File          // the journal file, open for appending while run is recorded
	queue   []byte            // records put and not yet appended, one JSON line each
	version uint64            // changes made to run
	written uint64            // changes on disk
	writing bool              // a writer goroutine is at work
	err     error             // the first write error; later writes are not tried
	closed  bool
}

// DefaultDir returns the directory of journals: $XDG_STATE_HOME/runbook,
// or ~/.local/state/runbook when XDG_STATE_HOME is not set (or is not an
// absolute path, as the XDG specification asks). getenv reads the
// environment, as os.Getenv does.
func DefaultDir(getenv func(string) string) (string, error) {
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "runbook"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("no state directory: neither XDG_STATE_HOME nor HOME is set")
	}
	return filepath.Join(home, ".local", "state", "runbook"), nil
}

// Open opens the journal called key (a file name without extension, such
// as engine.Playbook.JournalKey returns) in dir, which it makes when
// needed, readable by its owner only. It takes an exclusive lock that
// lasts until Close, so that two runs never share a journal; when another
// process holds it, the error wraps ErrBusy. The run the file holds is
// read now; see Last.
func Open(dir, key string) (*Journal, error) {
	if key == "" || strings.ContainsAny(key, `/\`) || strings.HasPrefix(key, ".") {
		return nil, fmt.Errorf("open journal: invalid key %q", key)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	j := &Journal{dir: dir, path: filepath.Join(dir, key+".json")}
	j.cond.L = &j.mu
	lock, err := lockFile(filepath.Join(dir, key+".lock"))
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", j.path, err)
	}
	j.lock = lock
	j.removeTemps()
	var logged bool
	j.last, logged, j.lastErr = readRun(j.path)
	if logged {
		// The run that wrote it did not end: a crash. Compacted now, it
		// reads the same, and a torn last line is gone.
		if err := j.replace(j.last); err != nil {
			lock.Close()
			return nil, fmt.Errorf("open journal: compact %s: %w", j.path, err)
		}
	}
	return j, nil
}

// Path returns the journal's file.
func (j *Journal) Path() string { return j.path }

// Last returns the run the journal held when it was opened, or nil when
// it held none. The error wraps ErrUnreadable when the file cannot be
// read as a journal.
func (j *Journal) Last() (*Run, error) { return j.last, j.lastErr }

// Begin starts recording run, which replaces the last run: its Records
// hold what it carries over from the run it resumes, if anything. Its
// Version and State are set here. Begin returns once run is on disk.
func (j *Journal) Begin(run Run) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrClosed
	}
	for j.writing {
		j.cond.Wait()
	}
	j.queue = nil // what a run begun before left unwritten is not this run's
	run.Version, run.State = Version, StateRunning
	j.records = make(map[string]Record, len(run.Records))
	for _, rec := range run.Records {
		j.records[rec.ID()] = rec
	}
	j.run = &run
	err := j.replace(j.snapshot())
	if err == nil {
		err = j.reopenLog()
	}
	if err != nil {
		j.run, j.records = nil, nil
		return fmt.Errorf("write journal %s: %w", j.path, err)
	}
	j.run.Records = nil
	return nil
}

// reopenLog opens the journal file for appending, instead of the one open
// before, if any. j.mu is held and no writer is at work.
func (j *Journal) reopenLog() error {
	if j.log != nil {
		j.log.Close()
	}
	var err error
	j.log, err = os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0)
	return err
}

// Put records what is known of an instance, replacing its earlier record.
// With durable set it returns once the record is on disk; otherwise it
// returns at once and the record goes to disk with the next write. The
// error is that of the write when durable is set, and otherwise that of
// an earlier write, if one failed. The record is appended to the file:
// the cost of a Put does not grow with the run.
func (j *Journal) Put(rec Record, durable bool) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("write journal %s: %w", j.path, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed || j.run == nil {
		return ErrClosed
	}
	j.records[rec.ID()] = rec
	j.queue = append(append(j.queue, line...), '\n')
	return j.commit(durable)
}

// End records the end of the run in state and returns once everything is
// on disk, with the error of the first write that failed. The file is
// compacted: it holds the run on one line, its records included. Nothing
// can be recorded afterwards.
func (j *Journal) End(state State) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed || j.run == nil {
		return ErrClosed
	}
	err := j.commit(true)
	for j.writing {
		j.cond.Wait()
	}
	j.log.Close()
	j.log = nil
	j.run.State, j.run.Ended = state, time.Now()
	if err == nil {
		if err = j.replace(j.snapshot()); err != nil {
			err = fmt.Errorf("write journal %s: %w", j.path, err)
		}
	}
	j.run, j.records = nil, nil
	return err
}

// Close waits for the writes in progress and releases the journal's lock.
// A run begun and not ended stays recorded as running, as after a crash.
func (j *Journal) Close() error {
	j.mu.Lock()
	for j.writing {
		j.cond.Wait()
	}
	j.closed = true
	if j.log != nil {
		j.log.Close()
	}
	j.mu.Unlock()
	return j.lock.Close()
}

package journal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// commit makes sure a writer is at work on what Put queued, and with
// durable set waits until it is on disk. j.mu is held.
func (j *Journal) commit(durable bool) error {
	j.version++
	want := j.version
	if !j.writing && j.err == nil {
		j.writing = true
		go j.writer()
	}
	if !durable {
		return j.err
	}
	for j.written < want && j.err == nil {
		j.cond.Wait()
	}
	return j.err
}

// writer appends the queued records to the log and syncs it until none is
// left; the records queued during one append share the next, and its sync.
// It is the only goroutine that appends, so appends never overlap.
func (j *Journal) writer() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.written < j.version && j.err == nil {
		v := j.version
		batch := j.queue
		j.queue = nil
		j.mu.Unlock()
		_, err := j.log.Write(batch)
		if err == nil {
			err = j.log.Sync()
		}
		j.mu.Lock()
		if err != nil {
			j.err = fmt.Errorf("write journal %s: %w", j.path, err)
		}
		j.written = v
		j.cond.Broadcast()
	}
	j.writing = false
	j.cond.Broadcast()
}

// snapshot returns the run being recorded with its records, sorted. j.mu
// is held.
func (j *Journal) snapshot() *Run {
	run := *j.run
	run.Records = make([]Record, 0, len(j.records))
	for _, rec := range j.records {
		run.Records = append(run.Records, rec)
	}
	slices.SortFunc(run.Records, compareRecords)
	return &run
}

// replace replaces the journal file with run on one line, atomically: a
// temporary file beside it, written and synced, renamed over it, and the
// directory synced so that the rename survives a crash.
func (j *Journal) replace(run *Run) error {
	data, err := json.Marshal(run)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(j.dir, j.tempPattern())
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails, harmlessly, once renamed
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), j.path); err != nil {
		return err
	}
	return syncDir(j.dir)
}

// compareRecords orders records by task, then host, then key.
func compareRecords(a, b Record) int {
	if c := strings.Compare(a.Task, b.Task); c != 0 {
		return c
	}
	if c := strings.Compare(a.Host, b.Host); c != 0 {
		return c
	}
	return strings.Compare(a.Key, b.Key)
}

// tempPattern is the pattern of the journal's temporary files.
func (j *Journal) tempPattern() string {
	return "." + strings.TrimSuffix(filepath.Base(j.path), ".json") + ".tmp-*"
}

// removeTemps removes the temporary files a crashed writer of this
// journal left; the lock is held, so no writer is at work.
func (j *Journal) removeTemps() {
	names, _ := filepath.Glob(filepath.Join(j.dir, j.tempPattern()))
	for _, name := range names {
		os.Remove(name)
	}
}

// syncDir flushes a directory's entries to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

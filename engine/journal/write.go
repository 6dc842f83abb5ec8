package journal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// commit marks the run changed, makes sure a writer is at work, and with
// durable set waits until the change is on disk. j.mu is held.
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

// writer writes the run until the file holds every change; the changes
// made during one write share the next. It is the only goroutine that
// writes, so writes never overlap.
func (j *Journal) writer() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.written < j.version && j.err == nil {
		v := j.version
		if j.run == nil { // ended: what came after End is not recorded
			j.written = v
			break
		}
		snapshot := *j.run
		snapshot.Records = make([]Record, 0, len(j.records))
		for _, rec := range j.records {
			snapshot.Records = append(snapshot.Records, rec)
		}
		j.mu.Unlock()
		slices.SortFunc(snapshot.Records, compareRecords)
		err := j.write(&snapshot)
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

// write replaces the journal file with run, atomically: a temporary file
// beside it, written and synced, renamed over it, and the directory
// synced so that the rename survives a crash.
func (j *Journal) write(run *Run) error {
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

// compareRecords orders records by task, then host.
func compareRecords(a, b Record) int {
	if c := strings.Compare(a.Task, b.Task); c != 0 {
		return c
	}
	return strings.Compare(a.Host, b.Host)
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

package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/job"
)

// readFile reads the journal file as another process would.
func readFile(t *testing.T, path string) *Run {
	t.Helper()
	run, _, err := readRun(path)
	if err != nil || run == nil {
		t.Fatalf("read %s: %v (run %v)", path, err, run)
	}
	return run
}

func TestRecordsARun(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if last, err := j.Last(); last != nil || err != nil {
		t.Fatalf("a new journal has a last run: %v, %v", last, err)
	}
	carried := Record{Task: "a", Host: "h", Module: "m", Status: "ok", Outputs: json.RawMessage(`{"x":1}`)}
	if err := j.Begin(Run{Playbook: "/p", Fingerprint: "f", Records: []Record{carried}}); err != nil {
		t.Fatal(err)
	}
	if run := readFile(t, j.Path()); run.State != StateRunning || len(run.Records) != 1 {
		t.Errorf("after Begin the file holds %+v", run)
	}
	started := Record{Task: "b", Host: "h", Module: "m", Started: time.Now()}
	if err := j.Put(started, true); err != nil {
		t.Fatal(err)
	}
	// A durable Put is on disk when it returns.
	if run := readFile(t, j.Path()); len(run.Records) != 2 || !run.Records[1].CutOff() {
		t.Errorf("the started record is not on disk: %+v", run.Records)
	}
	finished := started
	finished.Status = "changed"
	if err := j.Put(finished, false); err != nil {
		t.Fatal(err)
	}
	if err := j.End(StateInterrupted); err != nil {
		t.Fatal(err)
	}
	if err := j.Put(finished, false); !errors.Is(err, ErrClosed) {
		t.Errorf("Put after End: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j, err = Open(dir, "k1")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	last, err := j.Last()
	if err != nil {
		t.Fatal(err)
	}
	if last.State != StateInterrupted || last.Ended.IsZero() || last.Playbook != "/p" || last.Version != Version {
		t.Errorf("last run %+v", last)
	}
	var ids []string
	for _, r := range last.Records {
		ids = append(ids, fmt.Sprintf("%s=%s", r.ID(), r.Status))
	}
	if fmt.Sprint(ids) != "[a@h=ok b@h=changed]" {
		t.Errorf("records %v", ids)
	}
}

func TestOneProcessAtATime(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, "k"); !errors.Is(err, ErrBusy) {
		t.Errorf("second Open: %v, want ErrBusy", err)
	}
	other, err := Open(dir, "other")
	if err != nil {
		t.Fatalf("another key: %v", err)
	}
	other.Close()
	j.Close()
	j, err = Open(dir, "k")
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	j.Close()
}

func TestUnreadableAndLeftovers(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "k.json"), []byte(`{"version": 1, "records": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, ".k.tmp-123")
	if err := os.WriteFile(leftover, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := Open(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if last, err := j.Last(); last != nil || !errors.Is(err, ErrUnreadable) {
		t.Errorf("Last = %v, %v; want ErrUnreadable", last, err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("a crashed writer's temporary file is still there: %v", err)
	}
	// A new run replaces the unreadable one.
	if err := j.Begin(Run{}); err != nil {
		t.Fatal(err)
	}
	readFile(t, j.Path())
	for _, key := range []string{"", "../k", ".hidden"} {
		if _, err := Open(dir, key); err == nil {
			t.Errorf("Open accepted the key %q", key)
		}
	}
}

// TestConcurrentDurablePuts checks that durable Puts from many goroutines
// all reach the disk, sharing writes.
func TestConcurrentDurablePuts(t *testing.T) {
	j, err := Open(t.TempDir(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Begin(Run{}); err != nil {
		t.Fatal(err)
	}
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := j.Put(Record{Task: fmt.Sprintf("t%02d", i), Host: "h", Started: time.Now()}, true); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if run := readFile(t, j.Path()); len(run.Records) != n {
		t.Errorf("%d records on disk, want %d", len(run.Records), n)
	}
	if err := j.End(StateFinished); err != nil {
		t.Fatal(err)
	}
}

func TestWriteErrorIsReported(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Begin(Run{}); err != nil {
		t.Fatal(err)
	}
	// The file's descriptor closed under the writer makes the append fail.
	j.mu.Lock()
	j.log.Close()
	j.mu.Unlock()
	if err := j.Put(Record{Task: "a", Host: "h"}, true); err == nil {
		t.Fatal("a durable Put that cannot be written succeeded")
	}
	if err := j.End(StateFinished); err == nil {
		t.Error("End does not report the failed write")
	}
}

func TestDefaultDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/u"}, "/state/runbook"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/home/u"}, "/home/u/.local/state/runbook"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/runbook"},
	} {
		if got, err := DefaultDir(env(c.env)); got != c.want || err != nil {
			t.Errorf("DefaultDir(%v) = %q, %v; want %q", c.env, got, err, c.want)
		}
	}
	if _, err := DefaultDir(env(nil)); err == nil {
		t.Error("DefaultDir without HOME succeeded")
	}
}

// TestCutOff checks which records say their module's end is unknown.
func TestCutOff(t *testing.T) {
	started := time.Now()
	for _, tc := range []struct {
		rec  Record
		want bool
	}{
		{Record{}, false},
		{Record{Started: started}, true},
		{Record{Started: started, Status: "cancelled"}, true},
		{Record{Started: started, Status: "failed"}, false},
		{Record{Started: started, Status: "failed", ConnectionLost: true}, true},
		{Record{Started: started, Status: "changed"}, false},
		{Record{Status: "cancelled"}, false},
	} {
		if got := tc.rec.CutOff(); got != tc.want {
			t.Errorf("CutOff of %+v = %v, want %v", tc.rec, got, tc.want)
		}
	}
}

// TestRecordJobs checks what a record's detached jobs mean for a resumed
// run: a lost or killed job makes a failed instance cut off; a job that
// may still run is taken over by a run that runs the instance again, and
// one that ended only when the instance was cut off before its module
// took the result.
func TestRecordJobs(t *testing.T) {
	started := time.Now()
	running := job.Mark{Key: "r"}
	exited := job.Mark{Key: "e", End: job.EndExited}
	lost := job.Mark{Key: "l", End: job.EndLost}
	for _, c := range []struct {
		name      string
		rec       Record
		cutOff    bool
		resumable []string
	}{
		{"failed, job exited", Record{Started: started, Status: "failed", Jobs: []job.Mark{exited}}, false, nil},
		{"failed, job lost", Record{Started: started, Status: "failed", Jobs: []job.Mark{lost}}, true, nil},
		{"failed, job may run", Record{Started: started, Status: "failed", Jobs: []job.Mark{running}}, false, []string{"r"}},
		{"cut off, jobs ended and running", Record{Started: started, Jobs: []job.Mark{exited, running, lost}}, true, []string{"e", "r"}},
		{"killed run", Record{Started: started, Status: "cancelled", Jobs: []job.Mark{{Key: "k", End: job.EndKilled}}}, true, nil},
	} {
		var keys []string
		for _, m := range c.rec.ResumableJobs() {
			keys = append(keys, m.Key)
		}
		if c.rec.CutOff() != c.cutOff || !slices.Equal(keys, c.resumable) {
			t.Errorf("%s: cut off %v, resumable %q; want %v, %q", c.name, c.rec.CutOff(), keys, c.cutOff, c.resumable)
		}
	}
}

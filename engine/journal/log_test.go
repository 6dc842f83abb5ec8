package journal

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// crashedJournal records a run of n started instances in dir and closes
// the journal without ending the run, as a crash leaves it, and returns
// the file's path.
func crashedJournal(t *testing.T, dir string, n int) string {
	t.Helper()
	j, err := Open(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Begin(Run{Playbook: "/p", Records: []Record{{Task: "carried", Host: "h", Status: "ok"}}}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := j.Put(Record{Task: fmt.Sprintf("t%d", i), Host: "h", Started: time.Now()}, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return j.Path()
}

// lines returns the number of lines of the file at path.
func lines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte("\n"))
}

// TestAppendsAndCompacts checks that records are appended while the run
// goes, and that its end leaves one line holding them all.
func TestAppendsAndCompacts(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Begin(Run{Records: []Record{{Task: "carried", Host: "h", Status: "ok"}}}); err != nil {
		t.Fatal(err)
	}
	rec := Record{Task: "a", Host: "h", Started: time.Now()}
	if err := j.Put(rec, true); err != nil {
		t.Fatal(err)
	}
	rec.Status = "changed"
	if err := j.Put(rec, true); err != nil {
		t.Fatal(err)
	}
	if n := lines(t, j.Path()); n != 3 {
		t.Errorf("the running journal has %d lines, want the run and two appended records", n)
	}
	if run := readFile(t, j.Path()); len(run.Records) != 2 || run.Records[0].Status != "changed" {
		t.Errorf("records while running: %+v", run.Records)
	}
	if err := j.End(StateFinished); err != nil {
		t.Fatal(err)
	}
	if n := lines(t, j.Path()); n != 1 {
		t.Errorf("the ended journal has %d lines, want 1", n)
	}
	run := readFile(t, j.Path())
	if run.State != StateFinished || len(run.Records) != 2 || run.Records[0].ID() != "a@h" || run.Records[0].Status != "changed" {
		t.Errorf("compacted run: %+v", run)
	}
}

// TestCrashedRunIsCompactedOnOpen checks that the lines a crashed run
// appended are read, and compacted by the next Open.
func TestCrashedRunIsCompactedOnOpen(t *testing.T) {
	dir := t.TempDir()
	path := crashedJournal(t, dir, 3)
	if n := lines(t, path); n != 4 {
		t.Fatalf("the crashed journal has %d lines, want 4", n)
	}
	j, err := Open(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	last, err := j.Last()
	if err != nil || last.State != StateRunning || len(last.Records) != 4 || !last.Records[1].CutOff() {
		t.Fatalf("last run %+v, %v", last, err)
	}
	if n := lines(t, path); n != 1 {
		t.Errorf("the journal has %d lines after Open, want 1", n)
	}
	if run := readFile(t, path); len(run.Records) != 4 {
		t.Errorf("the compacted journal has %d records, want 4", len(run.Records))
	}
}

// TestTornLastRecord checks that a last line a crash cut short is left
// out, whatever it holds, while a bad line before a good one makes the
// journal unreadable.
func TestTornLastRecord(t *testing.T) {
	for _, c := range []struct {
		name, tail string
		records    int
		unreadable bool
	}{
		{"half a line", `{"task":"t9","host":"h","sta`, 3, false},
		{"half a line and its newline", `{"task":"t9","ho` + "\n", 3, false},
		{"zeros", "\x00\x00\x00\x00", 3, false},
		{"a whole line", `{"task":"t9","host":"h","module":"m"}` + "\n", 4, false},
		{"a bad line before a good one", "{\"task\n" + `{"task":"t9","host":"h"}` + "\n", 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := crashedJournal(t, dir, 2)
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString(c.tail); err != nil {
				t.Fatal(err)
			}
			f.Close()
			j, err := Open(dir, "k")
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			last, err := j.Last()
			if c.unreadable {
				if last != nil || err == nil || !strings.Contains(err.Error(), ":4:") {
					t.Fatalf("Last = %v, %v; want ErrUnreadable at line 4", last, err)
				}
				return
			}
			if err != nil || len(last.Records) != c.records {
				t.Fatalf("Last = %+v, %v; want %d records", last, err, c.records)
			}
			if n := lines(t, path); n != 1 {
				t.Errorf("the journal has %d lines after Open, want 1", n)
			}
		})
	}
}

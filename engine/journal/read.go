package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
)

// readRun reads the run recorded at path; nil, nil when there is none.
// The file's first line is the run as it began (or, once compacted, as it
// ended, with every record); each further line is a record that replaces
// the one of the same instance before it. A last line that does not
// parse is the append a crash cut short, and is left out: its record was
// never reported on disk.
// logged reports whether the file holds more than that first line, so
// that compacting it would change it.
func readRun(path string) (run *Run, logged bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read journal: %w", err)
	}
	head, rest, _ := bytes.Cut(data, []byte("\n"))
	run = new(Run)
	if err := json.Unmarshal(head, run); err != nil {
		return nil, false, fmt.Errorf("%w: %s: %w", ErrUnreadable, path, err)
	}
	if run.Version != Version {
		return nil, false, fmt.Errorf("%w: %s: format version %d, not %d", ErrUnreadable, path, run.Version, Version)
	}
	if len(rest) == 0 {
		return run, false, nil
	}
	records := make(map[string]Record, len(run.Records))
	for _, rec := range run.Records {
		records[rec.ID()] = rec
	}
	for line := 2; len(rest) > 0; line++ {
		var text []byte
		text, rest, _ = bytes.Cut(rest, []byte("\n"))
		var rec Record
		if err := json.Unmarshal(text, &rec); err != nil {
			if len(bytes.TrimSpace(bytes.Trim(rest, "\x00"))) == 0 {
				break // the torn last append
			}
			return nil, false, fmt.Errorf("%w: %s:%d: %w", ErrUnreadable, path, line, err)
		}
		records[rec.ID()] = rec
	}
	run.Records = make([]Record, 0, len(records))
	for _, rec := range records {
		run.Records = append(run.Records, rec)
	}
	slices.SortFunc(run.Records, compareRecords)
	return run, true, nil
}

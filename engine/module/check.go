package module

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/runbookhq/runbook/internal/udiff"
)

// ErrCannotPredict is wrapped by the error of a Check that cannot tell
// what Run would do, such as that of a command with no creates or
// removes guard. Check mode reports such an instance as one it cannot
// predict, runs nothing, and goes on with the instances that need it.
var ErrCannotPredict = errors.New("cannot predict what it would change")

// Checker is implemented by modules that can find out, on the host and
// without changing anything, what Run would change. Implement it if the
// module can read the state it would change (a file's content and mode,
// a package's version, a service's state) and compare it with the state
// it wants; check mode (runbook run --check, RunOptions.Check) then calls
// Check in place of Run. A module without it is reported as one whose
// change check mode cannot predict, and does not run in check mode.
//
// Check returns the Result Run would return: Changed when Run would
// change something, with the Diffs it would make when Env.Diff is set.
// Its Outputs count only when nothing would change: the outputs of a task
// that would change are unknown to the tasks that read them ("known after
// run"), as they are in a plan. When it cannot tell this time, Check
// returns an error wrapping ErrCannotPredict that says why.
type Checker interface {
	Check(ctx context.Context, env *Env) (Result, error)
}

// Attribute is one property of a file other than its content, such as its
// mode, as a module changed it or would change it.
type Attribute struct {
	// Name names the property: "mode", "owner", "group", "state", …
	Name string `json:"name"`
	// Before and After are its values before and after, as a person
	// reads them ("0644", "root", "absent", "directory").
	Before string `json:"before"`
	After  string `json:"after"`
}

// FileDiff is how a module changed, or in check mode would change, one
// file on the host: its content as a unified diff, and its other
// properties.
type FileDiff struct {
	// Path is the file's path on the host.
	Path string `json:"path"`
	// Diff is the unified diff from the old content to the new, in the
	// format of diff -u; empty when the content does not change or is
	// sensitive. Content that is no text, or too long to compare, is a
	// one-line note instead.
	Diff string `json:"diff,omitempty"`
	// Attributes are the other properties that change.
	Attributes []Attribute `json:"attributes,omitempty"`
	// Sensitive reports that the content changes and is secret: Diff is
	// empty, and the change is shown as "(sensitive)". A module sets it
	// for content it knows to be secret; the engine sets it, and empties
	// Diff, for every content diff of a task whose arguments hold a
	// sensitive value or that shows one.
	Sensitive bool `json:"sensitive,omitempty"`
}

// maxDiffLines bounds the lines of the two contents that NewFileDiff
// compares, which bounds the memory the comparison takes.
const maxDiffLines = 2000

// NewFileDiff returns the diff of the file at path whose content goes from
// before to after. A content that is not UTF-8 text, or holds a NUL byte,
// is compared by bytes only, and contents longer than 2000 lines
// together are not compared line by line: Diff says so in one line.
func NewFileDiff(path string, before, after []byte) FileDiff {
	d := FileDiff{Path: path}
	switch {
	case bytes.Equal(before, after):
	case !isText(before) || !isText(after):
		d.Diff = "binary content differs\n"
	case bytes.Count(before, []byte("\n"))+bytes.Count(after, []byte("\n")) > maxDiffLines:
		d.Diff = fmt.Sprintf("content differs: %d bytes before, %d after, too long to compare line by line\n", len(before), len(after))
	default:
		d.Diff = udiff.Unified("before/"+strings.TrimPrefix(path, "/"), "after/"+strings.TrimPrefix(path, "/"), string(before), string(after))
	}
	return d
}

// isText reports whether b reads as text: UTF-8 with no NUL byte.
func isText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

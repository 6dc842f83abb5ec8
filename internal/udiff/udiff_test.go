package udiff

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/testenv"
)

// TestUnifiedMatchesDiff compares the output with that of the system's
// diff -u on the same texts.
func TestUnifiedMatchesDiff(t *testing.T) {
	testenv.Need(t, "diff")
	cases := map[string][2]string{
		"one change":      {"a\nb\nc\n", "a\nB\nc\n"},
		"insert at start": {"b\nc\n", "a\nb\nc\n"},
		"delete at end":   {"a\nb\nc\n", "a\nb\n"},
		"two hunks":       {lines(1, 20), strings.Replace(strings.Replace(lines(1, 20), "3\n", "three\n", 1), "17\n", "", 1)},
		"joined hunks":    {lines(1, 12), strings.Replace(strings.Replace(lines(1, 12), "3\n", "x\n", 1), "8\n", "y\n", 1)},
		"from empty":      {"", "a\nb\n"},
		"to empty":        {"a\nb\n", ""},
		"no final eol":    {"a\nb", "a\nc"},
		"all different":   {"a\nb\nc\n", "d\ne\n"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got := Unified("old", "new", c[0], c[1])
			if want := systemDiff(t, c[0], c[1]); got != want {
				t.Errorf("Unified:\n%s\ndiff -u:\n%s", got, want)
			}
		})
	}
}

func TestEqualTextsHaveNoDiff(t *testing.T) {
	if got := Unified("old", "new", "a\nb\n", "a\nb\n"); got != "" {
		t.Errorf("equal texts gave a diff:\n%s", got)
	}
}

// lines returns the numbers from..to, one a line.
func lines(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		b.WriteString(strconv.Itoa(i) + "\n")
	}
	return b.String()
}

// systemDiff runs diff -u on the two texts, labelled like Unified's.
func systemDiff(t *testing.T, before, after string) string {
	t.Helper()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(a, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(after), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("diff", "-u", "--label", "old", "--label", "new", a, b).Output()
	if exitErr, ok := err.(*exec.ExitError); err != nil && (!ok || exitErr.ExitCode() != 1) {
		t.Fatalf("diff: %v", err)
	}
	return string(out)
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
)

// TestRunJSONUnderLoad checks that many instances printing at once give
// one whole JSON event per line, none lost: every instance's every line,
// in order, with long lines among them, through the batched writer.
func TestRunJSONUnderLoad(t *testing.T) {
	const keys, lines = 48, 150
	var set []string
	for i := range keys {
		set = append(set, fmt.Sprintf("%q", fmt.Sprint(i)))
	}
	long := strings.Repeat("x", 3000)
	play := filepath.Join(t.TempDir(), "load.hcl")
	src := fmt.Sprintf(`task "command" "chatter" {
  for_each = toset([%s])
  cmd      = "i=0; while [ $i -lt %d ]; do echo ${each.key}-$i-%s; i=$((i+1)); done"
}
`, strings.Join(set, ", "), lines, long)
	if err := os.WriteFile(play, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runbook(t, "run", play, "--output", "json", "--parallel", "64", "--per-host", "64")
	r.wantCode(t, exitOK)
	events := parseEvents(t, r.stdout)
	checkEventOrder(t, events)
	next := map[string]int{}
	for _, e := range events {
		if e.Kind != engine.EventOutput {
			continue
		}
		want := fmt.Sprintf("%s-%d-%s", e.Key, next[e.Key], long)
		if e.Line != want {
			t.Fatalf("instance %s: line %d is %d bytes %.60q…, want %d bytes %.60q…", e.Key, next[e.Key], len(e.Line), e.Line[max(0, len(e.Line)-60):], len(want), want[len(want)-60:])
		}
		next[e.Key]++
	}
	for i := range keys {
		if key := fmt.Sprint(i); next[key] != lines {
			t.Errorf("instance %s: %d lines, want %d", key, next[key], lines)
		}
	}
}

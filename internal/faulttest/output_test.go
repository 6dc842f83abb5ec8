package faulttest

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestInterruptJSONKeepsEvents interrupts, twice, a `runbook run --output
// json` whose command printed many lines and then hangs. The events are
// written in batches, yet every line of the command is in the stream,
// once and in order, and the stream ends with the run_finished event.
func TestInterruptJSONKeepsEvents(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	const lines = 50000
	user := loginUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	mark := marker()
	dir := writeFiles(t, map[string]string{"main.hcl": hostBlock("a", srv, user) + fmt.Sprintf(`
task "command" "chatty" {
  on  = [host.a]
  cmd = "seq 1 %d; sleep %s"
}
`, lines, mark)})
	c := startCLI(t, cliEnv(t), "run", filepath.Join(dir, "main.hcl"), "--output", "json",
		"--known-hosts", knownHosts(t, trusting(srv)...), "--state-dir", t.TempDir())
	c.waitStdout(t, fmt.Sprintf(`"line":"%d"`, lines))
	waitProcess(t, "sleep "+mark)
	for i := range 2 {
		c.signal(t, syscall.SIGINT)
		waitFor(t, "the message about stopping", func() bool { return strings.Count(c.stderr.String(), "stopping") > i })
	}
	if code := c.wait(t); code != 130 {
		t.Errorf("exit status %d, want 130\nstderr:\n%s", code, c.stderr)
	}
	var last struct {
		Kind   string `json:"kind"`
		Stream string `json:"stream"`
		Line   string `json:"line"`
	}
	seen := 0
	for line := range strings.Lines(c.stdout.String()) {
		if err := json.Unmarshal([]byte(line), &last); err != nil {
			t.Fatalf("a line that is not an event: %q: %v", line, err)
		}
		if last.Kind == "output" && last.Stream == "stdout" {
			if n, _ := strconv.Atoi(last.Line); n != seen+1 {
				t.Fatalf("output line %q after line %d", last.Line, seen)
			}
			seen++
		}
	}
	if seen != lines || last.Kind != "run_finished" {
		t.Errorf("the stream holds %d output lines of %d and ends with a %s event", seen, lines, last.Kind)
	}
}

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine"
)

// recap returns the recap at the end of a text run's output.
func recap(t *testing.T, stdout string) string {
	t.Helper()
	i := strings.Index(stdout, "\nRecap (")
	if i < 0 {
		t.Fatalf("no recap in the output:\n%s", stdout)
	}
	return normalise(stdout[i:])
}

// plainLine is the form of every line of a plain run's log.
var plainLine = regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d\d\d (run (started|finished).*|\S+ \S+ (started|(ok|changed|failed|skipped|cancelled)( \(\S+\))?(: .*)?|restored (ok|changed|skipped)))$`)

func TestRunLocal(t *testing.T) {
	r := runbook(t, "run", "testdata/ok.hcl")
	r.wantCode(t, exitOK)
	golden(t, "run-ok-recap.txt", recap(t, r.stdout))
	log := strings.TrimSpace(r.stdout[:strings.Index(r.stdout, "\nRecap (")])
	for _, line := range strings.Split(log, "\n") {
		if !plainLine.MatchString(line) {
			t.Errorf("not a plain log line: %q", line)
		}
	}
	for _, want := range []string{" local greet changed (", " local shouted ok (", " local never skipped ("} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the log does not say %q:\n%s", want, r.stdout)
		}
	}
}

func TestRunFailure(t *testing.T) {
	r := runbook(t, "run", "testdata/fail.hcl")
	r.wantCode(t, exitTaskFailed)
	golden(t, "run-fail-recap.txt", recap(t, r.stdout))
	// The log shows the failed task's whole output below its line, and its
	// error without naming the task and the host a second time.
	if !regexp.MustCompile(` local broken failed \([^)]*\): command on local exited with code 3`).MatchString(r.stdout) {
		t.Errorf("the log names the task and the host twice:\n%s", r.stdout)
	}
	for _, want := range []string{" local broken failed (", "  | working\n", "  | first complaint\n", "  | something went wrong\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the log does not show %q:\n%s", want, r.stdout)
		}
	}
}

// TestRunFailFast checks what --fail-fast adds to a failed run, whose exit
// code is the same with or without it: broken runs first (one at a time,
// in run order) and fails, and fine, which does not depend on it, is
// cancelled instead of run.
func TestRunFailFast(t *testing.T) {
	r := runbook(t, "run", "testdata/fail.hcl", "--fail-fast", "--parallel", "1")
	r.wantCode(t, exitTaskFailed)
	if !regexp.MustCompile(` local fine cancelled \(\S+\): not run: the run stopped at the first failure\n`).MatchString(r.stdout) || strings.Contains(r.stdout, " local fine started") {
		t.Errorf("fine was not cancelled at the first failure:\n%s", r.stdout)
	}
	if rc := recap(t, r.stdout); !strings.Contains(rc, "CANCELLED\n  local   0        0       1        1            0          1\n") {
		t.Errorf("the recap does not count fine as cancelled:\n%s", rc)
	}
}

func TestRunUnreachable(t *testing.T) {
	knownHosts := filepath.Join(t.TempDir(), "known_hosts")
	r := runbook(t, "run", "testdata/unreachable.hcl", "--known-hosts", knownHosts)
	r.wantCode(t, exitUnreachable)
	rc := recap(t, r.stdout)
	if !strings.Contains(rc, "\nUnreachable:\n  far: ") {
		t.Errorf("the recap does not name the unreachable host:\n%s", rc)
	}
	if !strings.Contains(r.stdout, " far unreachable: ") {
		t.Errorf("the log does not say far is unreachable:\n%s", r.stdout)
	}
}

// TestRunUnreachableReasons checks that the recap says why each
// unreachable host could not be reached, once per host, in the words of
// its host_unreachable event, rather than the error of a task that was
// skipped because of it.
func TestRunUnreachableReasons(t *testing.T) {
	knownHosts := filepath.Join(t.TempDir(), "known_hosts")
	r := runbook(t, "run", "testdata/unreachable-chain.hcl", "--known-hosts", knownHosts)
	r.wantCode(t, exitUnreachable)
	rc := recap(t, r.stdout)
	for _, host := range []string{"web1", "web2"} {
		m := regexp.MustCompile(`(?m)^\S+ ` + host + ` unreachable: (.*)$`).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("the log does not say %s is unreachable:\n%s", host, r.stdout)
		}
		reason := normalise(m[1])
		if !strings.Contains(reason, "connection refused") {
			t.Errorf("the reason %s is unreachable does not hold the connection error: %q", host, reason)
		}
		if n := strings.Count(rc, "  "+host+": "+reason+"\n"); n != 1 {
			t.Errorf("the recap gives the reason %s is unreachable %d times, want once:\n%s", host, n, rc)
		}
		// The golden file holds the recap without the transport's wording.
		rc = strings.Replace(rc, host+": "+reason, host+": REASON", 1)
	}
	golden(t, "run-unreachable-recap.txt", rc)
}

func TestRunJSON(t *testing.T) {
	r := runbook(t, "run", "testdata/fail.hcl", "--output", "json")
	r.wantCode(t, exitTaskFailed)
	events := parseEvents(t, r.stdout)
	checkEventOrder(t, events)
	finished := map[string]engine.Status{}
	for _, e := range events {
		if e.Kind == engine.EventTaskFinished {
			finished[e.Task] = e.Status
		}
	}
	want := map[string]engine.Status{"fine": engine.StatusChanged, "broken": engine.StatusFailed, "after_broken": engine.StatusSkipped}
	for task, status := range want {
		if finished[task] != status {
			t.Errorf("task %s finished %q, want %q", task, finished[task], status)
		}
	}
	if strings.Contains(r.stdout, "Recap") {
		t.Error("JSON output holds the text recap")
	}
}

// parseEvents decodes every line of a JSON run as an event.
func parseEvents(t *testing.T, out string) []engine.Event {
	t.Helper()
	var events []engine.Event
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var e engine.Event
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("line %d is not an event: %v\n%s", i+1, err, line)
		}
		events = append(events, e)
	}
	return events
}

// checkEventOrder checks what the JSON schema promises: sequence numbers
// increase, run_started comes first and run_finished last, and each
// instance starts before it finishes.
func checkEventOrder(t *testing.T, events []engine.Event) {
	t.Helper()
	if len(events) < 2 || events[0].Kind != engine.EventRunStarted || events[len(events)-1].Kind != engine.EventRunFinished {
		t.Fatalf("the stream does not run from run_started to run_finished: %+v", events)
	}
	started := map[string]bool{}
	for i, e := range events {
		if i > 0 && e.Seq <= events[i-1].Seq {
			t.Errorf("event %d has seq %d after %d", i, e.Seq, events[i-1].Seq)
		}
		id := e.Task + "@" + e.Host
		switch e.Kind {
		case engine.EventTaskStarted:
			started[id] = true
		case engine.EventOutput, engine.EventProgress, engine.EventRetry:
			if !started[id] {
				t.Errorf("%s of %s before it started", e.Kind, id)
			}
		case engine.EventTaskFinished:
			if !started[id] && !e.Restored && e.Status != engine.StatusSkipped && e.Status != engine.StatusCancelled {
				t.Errorf("%s finished %s without starting", id, e.Status)
			}
		}
	}
}

func TestConfirmWithoutTerminal(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "marker")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runbook(t, "run", "testdata/confirm.hcl", "-var", "marker="+marker)
	r.wantCode(t, exitTaskFailed)
	if !strings.Contains(r.stdout, "--yes") {
		t.Errorf("the refusal does not say to pass --yes:\n%s", r.stdout)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the step ran without confirmation: %v", err)
	}

	r = runbook(t, "run", "testdata/confirm.hcl", "-var", "marker="+marker, "--yes")
	r.wantCode(t, exitOK)
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatalf("the step did not run with --yes: %v", err)
	}
}

// startJSONRun starts a run of testdata/slow.hcl with JSON output and
// returns the command, its events as they come, and a channel closed when
// standard error says the run is stopping.
func startJSONRun(t *testing.T, release string) (*exec.Cmd, <-chan engine.Event, <-chan struct{}) {
	t.Helper()
	cmd := exec.Command(binary, "run", "testdata/slow.hcl", "-var", "release="+release, "--output", "json")
	cmd.Env = testEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	events := make(chan engine.Event)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var e engine.Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("not an event: %v\n%s", err, sc.Text())
				continue
			}
			events <- e
		}
	}()
	stopping := make(chan struct{})
	go func() {
		var seen bytes.Buffer
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			seen.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "stopping: ") {
				close(stopping)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	return cmd, events, stopping
}

// waitStarted reads events until task starts and returns those read.
func waitStarted(t *testing.T, events <-chan engine.Event, task string) []engine.Event {
	t.Helper()
	var seen []engine.Event
	for e := range events {
		seen = append(seen, e)
		if e.Kind == engine.EventTaskStarted && e.Task == task {
			return seen
		}
	}
	t.Fatalf("the run ended before %s started: %+v", task, seen)
	return nil
}

func TestInterruptTwiceCancels(t *testing.T) {
	release := filepath.Join(t.TempDir(), "never-created")
	cmd, events, stopping := startJSONRun(t, release)
	seen := waitStarted(t, events, "wait")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-stopping
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for e := range events {
		seen = append(seen, e)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit status %d (%v), want %d", code, err, exitInterrupted)
	}
	checkEventOrder(t, seen)
	for _, e := range seen {
		if e.Kind == engine.EventTaskFinished && e.Status != engine.StatusCancelled {
			t.Errorf("%s ended %s, want cancelled", e.Task, e.Status)
		}
		if e.Kind == engine.EventTaskStarted && e.Task == "after" {
			t.Error("a task started after the interrupt")
		}
	}
}

func TestInterruptOnceLetsRunningTasksFinish(t *testing.T) {
	release := filepath.Join(t.TempDir(), "release")
	cmd, events, stopping := startJSONRun(t, release)
	seen := waitStarted(t, events, "wait")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-stopping
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for e := range events {
		seen = append(seen, e)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit status %d (%v), want %d", code, err, exitInterrupted)
	}
	checkEventOrder(t, seen)
	ended := map[string]engine.Status{}
	for _, e := range seen {
		switch e.Kind {
		case engine.EventTaskFinished:
			ended[e.Task] = e.Status
		case engine.EventTaskStarted:
			if e.Task == "after" {
				t.Error("a task started after the interrupt")
			}
		}
	}
	if ended["wait"] != engine.StatusChanged {
		t.Errorf("the running task ended %q, want changed: it had its grace period", ended["wait"])
	}
	if ended["after"] != engine.StatusCancelled {
		t.Errorf("the task waiting for it ended %q, want cancelled", ended["after"])
	}
}

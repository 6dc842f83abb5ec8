package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"github.com/runbookhq/runbook/internal/netnstest"
	"github.com/runbookhq/runbook/internal/temporaltest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// binary is the runbook command built once for all tests.
var binary string

// stateDir is the XDG_STATE_HOME of the binary under test, so that its
// journals stay out of the home directory.
var stateDir string

// buildFlags are the flags of the go build that makes binary.
var buildFlags []string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "runbook-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "runbook")
	stateDir = filepath.Join(dir, "state")
	build := exec.Command("go", append(append([]string{"build"}, buildFlags...), "-o", binary, ".")...)
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	code := 1
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building runbook: %v\n", err)
	} else {
		code = m.Run()
		temporaltest.StopShared()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a run of the binary left behind.
type result struct {
	stdout, stderr string
	code           int
}

// runbook runs the binary with args in the package directory, standard
// input empty and no terminal, and returns what it printed and its exit
// status.
func runbook(t *testing.T, args ...string) result {
	t.Helper()
	return runbookEnv(t, testEnv(), args...)
}

// runbookEnv is runbook with the environment env.
func runbookEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runbookIn(t, "", env, args...)
}

// runbookIn is runbookEnv inside network namespace netns (see
// internal/netnstest), or where the test runs when it is empty.
func runbookIn(t *testing.T, netns string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	if netns != "" {
		cmd = netnstest.Command(netns, binary, args...)
	}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("runbook %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// testEnv is the environment of the binary under test: the test's own,
// without what would change the output (NO_COLOR, RUNBOOK_VAR_*), and
// with the journals in stateDir.
func testEnv() []string {
	env := []string{"XDG_STATE_HOME=" + stateDir}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "NO_COLOR=") || strings.HasPrefix(kv, "RUNBOOK_VAR_") || strings.HasPrefix(kv, "XDG_STATE_HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// wantCode fails the test when r did not exit with code.
func (r result) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

var (
	clockTime = regexp.MustCompile(`\b\d\d:\d\d:\d\d\.\d\d\d\b`)
	duration  = regexp.MustCompile(`\b\d+(ms|\.\d+s|m\d\ds)\b`)
)

// normalise replaces the times and durations of text by fixed words.
func normalise(text string) string {
	text = clockTime.ReplaceAllString(text, "HH:MM:SS.mmm")
	return duration.ReplaceAllString(text, "DURATION")
}

// golden compares got with testdata/golden/name, or rewrites that file
// when the tests run with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the tests with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update to accept it):\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

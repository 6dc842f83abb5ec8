package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine"
)

// resumeArgs returns the arguments of a run of testdata/resume.hcl with
// a journal directory of its own, followed by extra, and the paths of the
// run's log and ready files.
func resumeArgs(t *testing.T, extra ...string) (args []string, log, ready string) {
	t.Helper()
	dir := t.TempDir()
	log, ready = filepath.Join(dir, "log"), filepath.Join(dir, "ready")
	args = []string{"run", "testdata/resume.hcl", "--state-dir", filepath.Join(dir, "state"), "-var", "log=" + log, "-var", "ready=" + ready}
	return append(args, extra...), log, ready
}

func TestResume(t *testing.T) {
	args, log, ready := resumeArgs(t, "--output", "json")

	r := runbook(t, append(args, "--resume")...)
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "cannot resume: nothing to resume") {
		t.Errorf("a resume with no journal:\n%s", r.stderr)
	}
	runbook(t, args...).wantCode(t, exitTaskFailed)
	if err := os.WriteFile(ready, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	r = runbook(t, append(args, "--resume", "-var", "log="+log+"-elsewhere")...)
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "the values of var.log changed") || !strings.Contains(r.stderr, "--resume --resume-changed") {
		t.Errorf("a resume with another value:\n%s", r.stderr)
	}

	r = runbook(t, append(args, "--resume")...)
	r.wantCode(t, exitOK)
	events := parseEvents(t, r.stdout)
	checkEventOrder(t, events)
	finished := map[string]engine.Event{}
	for _, e := range events {
		if e.Kind == engine.EventTaskFinished {
			finished[e.Task] = e
		}
	}
	if e := finished["first"]; !e.Restored || e.Status != engine.StatusChanged {
		t.Errorf("first: %+v, want restored", e)
	}
	if e := finished["after"]; e.Restored || e.Outputs["stdout"] != "after first" {
		t.Errorf("after: %+v", e)
	}
	if data, _ := os.ReadFile(log); string(data) != "ran\n" {
		t.Errorf("first ran %d times, want once", strings.Count(string(data), "ran"))
	}
}

// TestResumeText checks that the text output of a resumed run tells the
// steps it took from the journal from those it ran.
func TestResumeText(t *testing.T) {
	args, _, ready := resumeArgs(t)
	runbook(t, args...).wantCode(t, exitTaskFailed)
	if err := os.WriteFile(ready, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runbook(t, append(args, "--resume")...)
	r.wantCode(t, exitOK)
	golden(t, "run-resume-recap.txt", recap(t, r.stdout))
	log := r.stdout[:strings.Index(r.stdout, "\nRecap (")]
	for _, want := range []string{" local first restored changed\n", " local check changed (", " local after changed ("} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if !plainLine.MatchString(line) {
			t.Errorf("not a plain log line: %q", line)
		}
	}
}

// TestResumeAfterCancel cancels a run while a command runs: the resume
// refuses to run it again until told to with --force-rerun.
func TestResumeAfterCancel(t *testing.T) {
	release := filepath.Join(t.TempDir(), "release")
	cmd, events, stopping := startJSONRun(t, release)
	waitStarted(t, events, "wait")
	for range 2 {
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		<-stopping
	}
	for range events {
	}
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != exitInterrupted {
		t.Fatalf("exit status %d (%v), want %d", cmd.ProcessState.ExitCode(), err, exitInterrupted)
	}

	args := []string{"run", "testdata/slow.hcl", "-var", "release=" + release, "--resume"}
	r := runbook(t, args...)
	r.wantCode(t, exitUsage)
	for _, want := range []string{
		"cannot resume: task wait on host local was cut off mid-way and its module is not safe to repeat",
		"Check the host, then run with --resume --force-rerun=wait@local, or without --resume to start over.",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	runbook(t, append(args, "--force-rerun", "wait@local")...).wantCode(t, exitOK)
}

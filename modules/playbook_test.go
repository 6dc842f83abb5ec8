package modules_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine"
)

// loadPlaybook loads a playbook of testdata and fails the test on any
// diagnostic.
func loadPlaybook(t *testing.T, dir string, vars ...string) *engine.Playbook {
	t.Helper()
	pb, diags := engine.Load(filepath.Join("testdata", dir), engine.LoadOptions{Vars: vars})
	if diags.HasErrors() {
		var buf strings.Builder
		wr := hcl.NewDiagnosticTextWriter(&buf, pb.Files(), 100, false)
		wr.WriteDiagnostics(diags)
		t.Fatalf("load %s:\n%s", dir, buf.String())
	}
	return pb
}

// statuses returns how each instance of a report ended, by task name.
func statuses(rep *engine.Report) map[string]engine.Status {
	m := map[string]engine.Status{}
	for _, inst := range rep.Instances {
		m[inst.Task] = inst.Status
	}
	return m
}

// checkStatuses fails the test unless every task ended as wanted.
func checkStatuses(t *testing.T, run string, rep *engine.Report, want map[string]engine.Status) {
	t.Helper()
	got := statuses(rep)
	for task, status := range want {
		if got[task] != status {
			t.Errorf("%s: task %s ended %q, want %q", run, task, got[task], status)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d instances ran, want %d: %v", run, len(got), len(want), got)
	}
	for _, inst := range rep.Instances {
		if inst.Err != nil {
			t.Errorf("%s: task %s: %v", run, inst.Task, inst.Err)
		}
	}
}

func TestPlaybookOfGenericModules(t *testing.T) {
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	vars := []string{"dir=" + dir, "port=" + port}

	rep, err := engine.Run(context.Background(), loadPlaybook(t, "playbook", vars...), engine.RunOptions{})
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	checkStatuses(t, "first run", rep, map[string]engine.Status{
		"prepare": engine.StatusChanged, "config": engine.StatusChanged, "motd": engine.StatusChanged,
		"checksum": engine.StatusChanged, "checksum_matches": engine.StatusOK, "motd_back": engine.StatusChanged,
		"fetched_intact": engine.StatusOK, "service": engine.StatusOK,
	})
	checkFile(t, filepath.Join(dir, "out", "app.conf"), "port = "+port+"\n", 0o600)
	motd := "Welcome to runbook; the service listens on port " + port + ".\npeer 10.0.0.2\npeer 10.0.0.3\n"
	checkFile(t, filepath.Join(dir, "out", "motd"), motd, 0o644)
	checkFile(t, filepath.Join(dir, "fetched", "local", dir, "out", "motd"), motd, 0o644)

	// A second run finds everything in place: only the command, which
	// cannot tell, reports a change.
	rep, err = engine.Run(context.Background(), loadPlaybook(t, "playbook", vars...), engine.RunOptions{})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	checkStatuses(t, "second run", rep, map[string]engine.Status{
		"prepare": engine.StatusOK, "config": engine.StatusOK, "motd": engine.StatusOK,
		"checksum": engine.StatusChanged, "checksum_matches": engine.StatusOK, "motd_back": engine.StatusOK,
		"fetched_intact": engine.StatusOK, "service": engine.StatusOK,
	})
}

func TestPlaybookFailures(t *testing.T) {
	rep, err := engine.Run(context.Background(), loadPlaybook(t, "failing"), engine.RunOptions{})
	if !errors.Is(err, engine.ErrTaskFailed) {
		t.Fatalf("Run = %v, want ErrTaskFailed", err)
	}
	byTask := map[string]engine.InstanceResult{}
	for _, inst := range rep.Instances {
		byTask[inst.Task] = inst
	}
	if r := byTask["fails"]; r.Status != engine.StatusFailed || r.Err == nil || !strings.Contains(r.Err.Error(), "code 3") || !strings.Contains(r.Err.Error(), "boom") {
		t.Errorf("fails: status %q, err %v; want failed with the exit code and stderr", r.Status, r.Err)
	}
	if r := byTask["after"]; r.Status != engine.StatusSkipped {
		t.Errorf("after: status %q, want skipped", r.Status)
	}
	if r := byTask["independent"]; r.Status != engine.StatusFailed || r.Err == nil || !strings.Contains(r.Err.Error(), "independent failure") {
		t.Errorf("independent: status %q, err %v; want failed with its message", r.Status, r.Err)
	}
}

func TestPlanDescribesGenericModules(t *testing.T) {
	plan, diags := loadPlaybook(t, "playbook", "dir=/srv/app", "port=8080").Plan()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := map[string]string{
		"prepare":  "run a 3-line script with /bin/sh",
		"config":   "copy 12 bytes to /srv/app/out/app.conf (0600)",
		"motd":     "render a template to /srv/app/out/motd (0644)",
		"service":  "wait up to 10s for port 127.0.0.1:8080 to accept connections",
		"checksum": "", // its argv is known only after config has run
	}
	for _, inst := range plan.Instances {
		if d, ok := want[inst.Task]; ok && inst.Description != d {
			t.Errorf("plan of %s: description %q, want %q", inst.Task, inst.Description, d)
		}
	}
}

func TestPlaybookResultConditions(t *testing.T) {
	dir := t.TempDir()
	p := loadPlaybook(t, "results", "dir="+dir)
	for i, want := range []engine.Status{engine.StatusChanged, engine.StatusOK} {
		rep, err := engine.Run(context.Background(), p, engine.RunOptions{})
		if !errors.Is(err, engine.ErrTaskFailed) {
			t.Fatalf("run %d: %v, want ErrTaskFailed", i+1, err)
		}
		byTask := map[string]engine.InstanceResult{}
		for _, inst := range rep.Instances {
			byTask[inst.Task] = inst
		}
		if r := byTask["add_line"]; r.Status != want {
			t.Errorf("run %d: add_line ended %q, want %q", i+1, r.Status, want)
		}
		for _, task := range []string{"has_line", "missing_line"} {
			if r := byTask[task]; r.Status != engine.StatusOK || r.Err != nil {
				t.Errorf("run %d: %s ended %q (%v), want ok", i+1, task, r.Status, r.Err)
			}
		}
		if r := byTask["says_error"]; r.Status != engine.StatusFailed || r.Err == nil || !strings.Contains(r.Err.Error(), "failed_when is true") {
			t.Errorf("run %d: says_error ended %q (%v), want failed by failed_when", i+1, r.Status, r.Err)
		}
		if r := byTask["counts"]; i == 0 && (r.Status != engine.StatusOK || r.Attempts != 3) {
			t.Errorf("run %d: counts ended %q after %d attempts (%v), want ok after 3", i+1, r.Status, r.Attempts, r.Err)
		}
	}
	checkFile(t, filepath.Join(dir, "conf"), "hello\n", 0o644)
}

func TestPlaybookForEach(t *testing.T) {
	dir := t.TempDir()
	p := loadPlaybook(t, "foreach", "dir="+dir)
	for i, want := range []engine.Status{engine.StatusChanged, engine.StatusOK} {
		rep, err := engine.Run(context.Background(), p, engine.RunOptions{})
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		for _, inst := range rep.Instances {
			if inst.Task == "user_file" && inst.Status != want {
				t.Errorf("run %d: %s ended %q, want %q", i+1, inst.ID(), inst.Status, want)
			}
			if inst.Task == "count" && inst.Outputs["stdout"] != "2" {
				t.Errorf("run %d: %v files, want 2", i+1, inst.Outputs["stdout"])
			}
		}
	}
	checkFile(t, filepath.Join(dir, "alice.conf"), "alice: admin\n", 0o644)
	checkFile(t, filepath.Join(dir, "bob.conf"), "bob: dev\n", 0o644)
}

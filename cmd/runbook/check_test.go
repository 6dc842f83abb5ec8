package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
)

// checkDir returns a directory holding the files testdata/check.hcl
// changes, as they are before it runs.
func checkDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"app.conf": "port = 8080\nworkers = 4\n", "secret": "old\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRunCheckDiff(t *testing.T) {
	dir := checkDir(t)
	r := runbook(t, "run", "--check", "--diff", "-var", "dir="+dir, "testdata/check.hcl")
	r.wantCode(t, exitOK)
	out := strings.ReplaceAll(r.stdout, dir, "DIR")
	for _, want := range []string{
		"run started: 5 instances (check mode: nothing is changed)",
		" local conf would change (",
		"    DIR/app.conf: mode 0644 → 0600\n    --- beforeDIR/app.conf\n    +++ afterDIR/app.conf\n    @@ -1,2 +1,2 @@\n     port = 8080\n    -workers = 4\n    +workers = 8\n",
		"    DIR/new.txt: state absent → file\n",
		"    DIR/secret: content (sensitive)\n",
		" local restart cannot predict (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not hold %q:\n%s", want, out)
		}
	}
	if strings.Contains(r.stdout, "s3cret") {
		t.Errorf("the output shows the secret:\n%s", r.stdout)
	}
	golden(t, "run-check-recap.txt", recap(t, out))
	if _, err := os.Stat(filepath.Join(dir, "new.txt")); err == nil {
		t.Error("check mode wrote new.txt")
	}
	if _, err := os.Stat(filepath.Join(dir, "restarted")); err == nil {
		t.Error("check mode ran the command it cannot predict")
	}
}

func TestRunCheckJSON(t *testing.T) {
	dir := checkDir(t)
	r := runbook(t, "run", "--check", "--diff", "--output", "json", "-var", "dir="+dir, "testdata/check.hcl")
	r.wantCode(t, exitOK)
	statuses := map[string]engine.Status{}
	var conf engine.Event
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var e engine.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		if e.Kind == engine.EventRunStarted && !e.Check {
			t.Error("run_started does not say check")
		}
		if e.Kind == engine.EventTaskFinished {
			statuses[e.Task] = e.Status
			if e.Task == "conf" {
				conf = e
			}
		}
	}
	want := map[string]engine.Status{"conf": "changed", "new": "changed", "secret": "changed", "restart": "cannot_predict", "report": "cannot_predict"}
	for task, s := range want {
		if statuses[task] != s {
			t.Errorf("%s: %q, want %q", task, statuses[task], s)
		}
	}
	if !conf.Check || len(conf.Diffs) != 1 || !strings.Contains(conf.Diffs[0].Diff, "+workers = 8\n") {
		t.Errorf("the event of conf: %+v", conf)
	}
	if !strings.Contains(r.stdout, `"diff":[{"path":`) {
		t.Errorf("no diff field in the events:\n%s", r.stdout)
	}
}

func TestRunCheckRefusesResume(t *testing.T) {
	r := runbook(t, "run", "--check", "--resume", "-var", "dir=/nonexistent", "testdata/check.hcl")
	r.wantCode(t, exitUsage)
}

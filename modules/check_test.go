package modules_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// checkPlaybook is a playbook whose tasks cover what check mode sees: a
// file that already has its content, one that differs, one that is
// missing, a sensitive one, guarded and unguarded commands, and a command
// that reads the outputs of a task that would change.
const checkPlaybook = `
variable "dir" {
  type = string
}
variable "secret" {
  type      = string
  sensitive = true
}
task "copy" "same" {
  dest    = "${var.dir}/same"
  content = "one\n"
}
task "copy" "differs" {
  dest    = "${var.dir}/differs"
  content = "one\nTWO\nthree\n"
  mode    = "0600"
}
task "copy" "missing" {
  dest    = "${var.dir}/missing"
  content = "new\n"
}
task "copy" "secret" {
  dest    = "${var.dir}/secret"
  content = var.secret
}
task "copy" "leak" {
  dest    = "${var.dir}/leak"
  content = "password = rotated\n"
}
task "command" "guarded" {
  argv    = ["touch", "${var.dir}/guarded"]
  creates = "${var.dir}/same"
}
task "command" "guard_runs" {
  argv    = ["touch", "${var.dir}/guard_runs"]
  creates = "${var.dir}/guard_runs"
}
task "command" "free" {
  argv = ["touch", "${var.dir}/free"]
}
task "command" "reads" {
  argv = ["echo", task.differs.sha256]
}
`

// checkDir returns a directory holding the files of checkPlaybook as
// they are before it runs.
func checkDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"same": "one\n", "differs": "one\ntwo\nthree\n", "secret": "old secret\n", "leak": "password = hunter2-new\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// dirState returns the names, modes and contents of the files in dir.
func dirState(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		fi, _ := e.Info()
		content, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		fmt.Fprintf(&b, "%s %v %q\n", e.Name(), fi.Mode().Perm(), content)
	}
	return b.String()
}

func TestCheckModeChangesNothingAndSaysWhatWould(t *testing.T) {
	dir := checkDir(t)
	before := dirState(t, dir)
	vars := []string{"dir=" + dir, "secret=hunter2-new"}

	rep := moduletest.Run(t, checkPlaybook, engine.RunOptions{Check: true, Diff: true}, vars...)
	if after := dirState(t, dir); after != before {
		t.Fatalf("check mode changed the files:\n%s\nwant\n%s", after, before)
	}
	if !rep.Check {
		t.Error("the report does not say it is of a check-mode run")
	}
	want := map[string]engine.Status{
		"same": engine.StatusOK, "differs": engine.StatusChanged, "missing": engine.StatusChanged, "secret": engine.StatusChanged, "leak": engine.StatusChanged,
		"guarded": engine.StatusOK, "guard_runs": engine.StatusChanged, "free": engine.StatusCannotPredict, "reads": engine.StatusCannotPredict,
	}
	for task, status := range want {
		res := moduletest.Instance(t, rep, task+"@local")
		if res.Status != status {
			t.Errorf("%s: %s (%v), want %s", task, res.Status, res.Err, status)
		}
	}
	if res := moduletest.Instance(t, rep, "same@local"); res.Outputs["sha256"] != sha256Hex("one\n") {
		t.Errorf("same: outputs %v, want those of the file as it is", res.Outputs)
	}
	if res := moduletest.Instance(t, rep, "reads@local"); res.Err == nil || !strings.Contains(res.Err.Error(), "known only after a run") {
		t.Errorf("reads: %v, want an error saying it reads outputs known only after a run", res.Err)
	}
	if res := moduletest.Instance(t, rep, "free@local"); res.Err == nil || !strings.Contains(res.Err.Error(), "without creates or removes") {
		t.Errorf("free: %v, want an error saying why it cannot predict", res.Err)
	}

	differs := moduletest.Instance(t, rep, "differs@local").Diffs
	wantDiff := fmt.Sprintf("--- before%[1]s/differs\n+++ after%[1]s/differs\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n", dir)
	if len(differs) != 1 || differs[0].Diff != wantDiff || len(differs[0].Attributes) != 1 || differs[0].Attributes[0] != (engine.Attribute{Name: "mode", Before: "0644", After: "0600"}) {
		t.Errorf("differs: diffs %+v, want\n%s with mode 0644 to 0600", differs, wantDiff)
	}
	missing := moduletest.Instance(t, rep, "missing@local").Diffs
	if len(missing) != 1 || !strings.Contains(missing[0].Diff, "+new\n") || missing[0].Attributes[0] != (engine.Attribute{Name: "state", Before: "absent", After: "file"}) {
		t.Errorf("missing: diffs %+v", missing)
	}
	for _, task := range []string{"secret", "leak"} { // leak: the old content shows a sensitive value
		d := moduletest.Instance(t, rep, task+"@local").Diffs
		if len(d) != 1 || !d[0].Sensitive || d[0].Diff != "" {
			t.Errorf("%s: diffs %+v, want one marked sensitive without content", task, d)
		}
	}

	// A real run changes exactly what check mode said, with the same diffs.
	real := moduletest.Run(t, checkPlaybook, engine.RunOptions{Diff: true}, vars...)
	for task, status := range want {
		res := moduletest.Instance(t, real, task+"@local")
		if status == engine.StatusCannotPredict {
			status = engine.StatusChanged
		}
		if res.Status != status {
			t.Errorf("run: %s: %s (%v), want %s", task, res.Status, res.Err, status)
		}
	}
	if got := moduletest.Instance(t, real, "differs@local").Diffs; len(got) != 1 || got[0].Diff != wantDiff {
		t.Errorf("run: differs: diffs %+v, want those check mode showed", got)
	}
	checkFile(t, filepath.Join(dir, "differs"), "one\nTWO\nthree\n", 0o600)

	// Checked again, nothing would change but the commands without guards.
	again := moduletest.Run(t, checkPlaybook, engine.RunOptions{Check: true, Diff: true}, vars...)
	for _, res := range again.Instances {
		if res.Status == engine.StatusChanged || len(res.Diffs) > 0 {
			t.Errorf("check after the run: %s: %s, diffs %+v", res.Task, res.Status, res.Diffs)
		}
	}
}

func TestCheckModeRefusesAJournal(t *testing.T) {
	p := moduletest.Load(t, `task "command" "x" {
  argv = ["true"]
}`)
	if _, err := engine.Run(t.Context(), p, engine.RunOptions{Check: true, Resume: true}); err == nil {
		t.Error("a check-mode run that resumes started")
	}
}

// onBox runs every task of src on host.box.
func onBox(src string) string {
	return regexp.MustCompile(`(?m)^(task "[^"]+" "[^"]+" \{)$`).ReplaceAllString(src, "$1\n  on = host.box")
}

func TestCheckModeOverSSHAsAPlainUser(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewUser(t)
	dir := checkDir(t)
	if out, err := exec.Command("chown", "-R", u.Name, dir, filepath.Dir(dir)).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	before := dirState(t, dir)
	src := fmt.Sprintf(`
host "box" {
  address       = %q
  port          = %d
  user          = %q
  identity_file = %q
}
`, srv.Host, srv.Port, u.Name, srv.ClientKey.File) + onBox(checkPlaybook)
	vars := []string{"dir=" + dir, "secret=hunter2-new"}
	var lines []string
	opts := engine.RunOptions{Connect: moduletest.SSH(srv.KnownHosts), Check: true, Diff: true,
		Subscribers: []engine.Subscriber{engine.SubscriberFunc(func(e engine.Event) {
			if e.Kind == engine.EventOutput {
				lines = append(lines, e.Line)
			}
		})}}
	rep := moduletest.Run(t, src, opts, vars...)
	if after := dirState(t, dir); after != before {
		t.Fatalf("check mode changed the files:\n%s\nwant\n%s", after, before)
	}
	if got := moduletest.Instance(t, rep, "differs@box"); got.Status != engine.StatusChanged || len(got.Diffs) != 1 || !strings.Contains(got.Diffs[0].Diff, "-two\n+TWO\n") {
		t.Errorf("differs: %s (%v), diffs %+v", got.Status, got.Err, got.Diffs)
	}
	if got := moduletest.Instance(t, rep, "same@box"); got.Status != engine.StatusOK {
		t.Errorf("same: %s (%v)", got.Status, got.Err)
	}
	if joined := strings.Join(lines, "\n"); strings.Contains(joined, "old secret") || strings.Contains(joined, "three") {
		t.Errorf("the content of files read to compare them shows in output events:\n%s", joined)
	}
	opts.Check = false
	real := moduletest.Run(t, src, opts, vars...)
	for _, res := range real.Instances {
		if res.Status == engine.StatusFailed {
			t.Errorf("run: %s: %v", res.ID(), res.Err)
		}
	}
	checkFile(t, filepath.Join(dir, "differs"), "one\nTWO\nthree\n", 0o600)
}

func TestCheckModeAsksNothingAndReadsUnknownWhens(t *testing.T) {
	dir := t.TempDir()
	rep := moduletest.Run(t, `
variable "dir" {
  type = string
}
task "copy" "conf" {
  dest    = "${var.dir}/conf"
  content = "x\n"
  confirm = "Write the configuration?"
}
task "command" "reload" {
  argv    = ["touch", "${var.dir}/reloaded"]
  creates = "${var.dir}/reloaded"
  when    = task.conf.changed
}
task "assert" "after" {
  that       = true
  depends_on = [task.reload]
}
`, engine.RunOptions{Check: true}, "dir="+dir)
	want := map[string]engine.Status{"conf": engine.StatusChanged, "reload": engine.StatusCannotPredict, "after": engine.StatusOK}
	for task, status := range want {
		if res := moduletest.Instance(t, rep, task+"@local"); res.Status != status {
			t.Errorf("%s: %s (%v), want %s", task, res.Status, res.Err, status)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("check mode wrote %d files", len(entries))
	}
}

func TestCheckModeChecksOnceWhateverTheRetries(t *testing.T) {
	dir := t.TempDir()
	var retries []string
	opts := engine.RunOptions{Check: true, Subscribers: []engine.Subscriber{engine.SubscriberFunc(func(e engine.Event) {
		if e.Kind == engine.EventRetry {
			retries = append(retries, e.Task)
		}
	})}}
	rep := moduletest.Run(t, `
variable "dir" {
  type = string
}
task "command" "free" {
  argv    = ["touch", "${var.dir}/free"]
  retries = 3
  delay   = "1ms"
}
task "lineinfile" "missing" {
  path    = "${var.dir}/missing"
  line    = "x"
  retries = 3
  delay   = "1ms"
}
`, opts, "dir="+dir)
	want := map[string]engine.Status{"free": engine.StatusCannotPredict, "missing": engine.StatusFailed}
	for task, status := range want {
		if res := moduletest.Instance(t, rep, task+"@local"); res.Status != status || res.Attempts != 1 {
			t.Errorf("%s: %s after %d attempts (%v), want %s after 1", task, res.Status, res.Attempts, res.Err, status)
		}
	}
	if len(retries) > 0 {
		t.Errorf("check mode retried %v", retries)
	}
}

func TestCheckModeNamesTheArgumentsItCannotKnow(t *testing.T) {
	rep := moduletest.Run(t, `
task "command" "free" {
  argv = ["true"]
}
task "assert" "one" {
  that = task.free.stdout == ""
}
task "copy" "two" {
  dest    = "/tmp/${task.free.stdout}x"
  content = task.free.stdout
}
`, engine.RunOptions{Check: true})
	for task, want := range map[string]string{"one": `the argument "that" is not known`, "two": `the arguments "dest", "content" are not known`} {
		if res := moduletest.Instance(t, rep, task+"@local"); res.Err == nil || !strings.Contains(res.Err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %s", task, res.Err, want)
		}
	}
}

package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// webHosts writes an inventory of the hosts named, all in group web and
// all reached at srv as user, and returns its path.
func webHosts(t *testing.T, srv *sshdtest.Server, user string, names ...string) string {
	t.Helper()
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "host %q {\n  address = %q\n  port    = %d\n  user    = %q\n  groups  = [\"web\"]\n}\n", name, srv.Host, srv.Port, user)
	}
	path := filepath.Join(t.TempDir(), "hosts.hcl")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sshRun returns the arguments of a run of playbook with inventory over
// srv, its output in JSON and its journal in state, followed by extra.
func sshRun(srv *sshdtest.Server, playbook, inventory, state string, extra ...string) []string {
	args := []string{"run", playbook, "-i", inventory, "--identity", srv.ClientKey.File, "--known-hosts", srv.KnownHosts,
		"--output", "json", "--state-dir", state}
	return append(args, extra...)
}

// finishedByID returns the task_finished events of a run by instance ID
// (TASK@HOST or TASK@HOST[KEY]), checking the order of its events.
func finishedByID(t *testing.T, out string) (map[string]engine.Event, []engine.Event) {
	t.Helper()
	events := parseEvents(t, out)
	checkEventOrder(t, events)
	finished := map[string]engine.Event{}
	for _, e := range events {
		if e.Kind == engine.EventTaskFinished {
			finished[eventID(e)] = e
		}
	}
	return finished, events
}

// wantFinished fails the test unless each instance of want finished with
// that status and reason.
func wantFinished(t *testing.T, finished map[string]engine.Event, want map[string]string) {
	t.Helper()
	for id, w := range want {
		status, reason, _ := strings.Cut(w, ": ")
		if e, ok := finished[id]; !ok || string(e.Status) != status || e.Reason != reason {
			t.Errorf("%s finished %q (reason %q, error %q), want %q", id, e.Status, e.Reason, e.Error, w)
		}
	}
}

// readHostFile returns the content of a file the run wrote, or "".
func readHostFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// TestLanguageOverSSH runs testdata/lang/site.hcl on two hosts over SSH:
// for_each with a keyed reference to another host, a handler that runs
// on the host whose files changed only, failed_when with retries and
// until, changed_when that makes a shell step report ok on a second run,
// throttle, and --tags selecting a task with the instance it reads.
func TestLanguageOverSSH(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{})
	dir, state := t.TempDir(), t.TempDir()
	for _, h := range []string{"web1", "web2"} {
		if err := os.Mkdir(filepath.Join(dir, h), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// web2 holds its files already: its copies and motd change nothing.
	for name, content := range map[string]string{"alice.profile": "export ROLE=admin\n", "bob.profile": "export ROLE=dev\n", "motd": "hello\n"} {
		if err := os.WriteFile(filepath.Join(dir, "web2", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := sshRun(srv, "testdata/lang/site.hcl", webHosts(t, srv, currentUser(t), "web1", "web2"), state, "-var", "dir="+dir)

	r := runbookSSH(t, args...)
	r.wantCode(t, exitOK)
	finished, events := finishedByID(t, r.stdout)
	wantFinished(t, finished, map[string]string{
		"profile@web1[alice]": "changed", "profile@web1[bob]": "changed", "motd@web1": "changed",
		"profile@web2[alice]": "ok", "profile@web2[bob]": "ok", "motd@web2": "ok",
		"reload@web1": "changed", "reload@web2": "skipped: " + engine.ReasonNothingChanged,
		"ready@web1": "ok", "ready@web2": "ok",
		"scan_log@web1": "failed", "scan_log@web2": "failed",
		"summary@web2": "ok",
	})
	if got := finished["summary@web2"].Outputs["stdout"]; got != "web1 says: alice on web1" {
		t.Errorf("summary@web2 printed %q, want the output of home@web1[alice]", got)
	}
	if got := finished["ready@web1"].Outputs["stdout"]; got != "3" {
		t.Errorf("ready@web1 ended after attempt %v, want 3", got)
	}
	if e := finished["scan_log@web1"]; !strings.Contains(e.Error, "failed_when is true") {
		t.Errorf("scan_log@web1 failed with %q, want failed_when is true", e.Error)
	}
	wantReloadAfterNotifiers(t, events)
	retries := map[string]int{}
	for _, e := range events {
		if e.Kind == engine.EventRetry {
			retries[eventID(e)]++
		}
	}
	if retries["ready@web1"] != 2 || retries["ready@web2"] != 2 || retries["scan_log@web1"] != 1 {
		t.Errorf("retries %v, want 2 of each ready and 1 of each scan_log", retries)
	}
	wantThrottled(t, events, "home", 2)
	if got := readHostFile(t, filepath.Join(dir, "web1", "reloads")); got != "reloaded\n" {
		t.Errorf("reload ran on web1 %d times, want once", strings.Count(got, "reloaded"))
	}
	if got := readHostFile(t, filepath.Join(dir, "web2", "reloads")); got != "" {
		t.Errorf("reload ran on web2, whose files did not change")
	}

	// A second run changes nothing; its recap says why reload did not run.
	r = runbookSSH(t, append(args[:len(args):len(args)], "--output", "text", "--no-color")...)
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, "SKIPPED, nothing changed: reload@web1, reload@web2") {
		t.Errorf("the recap of a second run does not say that reload was skipped on both hosts:\n%s", r.stdout)
	}
	for host, n := range recapColumn(t, r.stdout, "CHANGED") {
		if n != "0" {
			t.Errorf("a second run changed %s things on %s:\n%s", n, host, r.stdout)
		}
	}
	if got := readHostFile(t, filepath.Join(dir, "web1", "reloads")); got != "reloaded\n" {
		t.Errorf("reload ran again on web1 when nothing changed")
	}

	// --tags report runs summary and the one instance of home it reads.
	r = runbookSSH(t, append(args, "--tags", "report")...)
	r.wantCode(t, exitOK)
	finished, _ = finishedByID(t, r.stdout)
	for id, e := range finished {
		if ran := id == "summary@web2" || id == "home@web1[alice]"; ran && e.Status != engine.StatusOK || !ran && e.Reason != engine.ReasonNotSelected {
			t.Errorf("--tags report: %s ended %s (reason %q)", id, e.Status, e.Reason)
		}
	}
}

// wantReloadAfterNotifiers fails the test unless reload started once on
// web1, after every instance it waits for there had finished.
func wantReloadAfterNotifiers(t *testing.T, events []engine.Event) {
	t.Helper()
	var starts []uint64
	last := map[string]uint64{}
	for _, e := range events {
		switch {
		case e.Kind == engine.EventTaskStarted && eventID(e) == "reload@web1":
			starts = append(starts, e.Seq)
		case e.Kind == engine.EventTaskFinished && e.Host == "web1" && (e.Task == "profile" || e.Task == "motd"):
			last[eventID(e)] = e.Seq
		}
	}
	if len(starts) != 1 {
		t.Fatalf("reload started %d times on web1, want once", len(starts))
	}
	if len(last) != 3 {
		t.Fatalf("%d instances of profile and motd finished on web1, want 3", len(last))
	}
	for id, seq := range last {
		if seq > starts[0] {
			t.Errorf("reload@web1 started (event %d) before %s finished (event %d)", starts[0], id, seq)
		}
	}
}

// wantThrottled fails the test if more than limit instances of task were
// running at once, by the order of their start and end events, or if
// none ran.
func wantThrottled(t *testing.T, events []engine.Event, task string, limit int) {
	t.Helper()
	running, most := 0, 0
	for _, e := range events {
		if e.Task != task {
			continue
		}
		switch e.Kind {
		case engine.EventTaskStarted:
			running++
			most = max(most, running)
		case engine.EventTaskFinished:
			running--
		}
	}
	if most == 0 || most > limit {
		t.Errorf("at most %d instances of %s ran at once, want 1 to %d", most, task, limit)
	}
}

// currentUser returns the name of the user the test runs as.
func currentUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// recapColumn returns the column named of the recap's table in out, by
// host.
func recapColumn(t *testing.T, out, column string) map[string]string {
	t.Helper()
	_, table, ok := strings.Cut(out, "\n  HOST ")
	if !ok {
		t.Fatalf("no recap table in:\n%s", out)
	}
	lines := strings.Split(table, "\n")
	col := slices.Index(strings.Fields("HOST "+lines[0]), column)
	got := map[string]string{}
	for _, line := range lines[1:] {
		fields := strings.Fields(line)
		if len(fields) <= col {
			break
		}
		got[fields[0]] = fields[col]
	}
	if col < 0 || len(got) == 0 {
		t.Fatalf("no column %s in the recap:\n%s", column, out)
	}
	return got
}

// deployHosts makes the directories of testdata/lang/deploy.hcl for web1
// and web2 under a new directory, the file that lets the migration pass
// on web2, and returns the directory.
func deployHosts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, h := range []string{"web1", "web2"} {
		if err := os.Mkdir(filepath.Join(dir, h), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "web2", "fixed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// wantHandlersRan fails the test unless the handlers of
// testdata/lang/deploy.hcl ran on each host as want says, in the order
// of their names.
func wantHandlersRan(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	for host, w := range want {
		got := strings.Fields(readHostFile(t, filepath.Join(dir, host, "handlers")))
		if slices.Sort(got); strings.Join(got, " ") != w {
			t.Errorf("the handlers that ran on %s: %q, want %q", host, got, w)
		}
	}
}

// TestResumeHandlersAndTagsOverSSH interrupts runs of
// testdata/lang/deploy.hcl on two hosts over SSH, by a failure and by
// --tags, and resumes them: a handler whose watched instance changed in
// an earlier run runs once, in the run in which it can, and never again.
func TestResumeHandlersAndTagsOverSSH(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{})
	inventory := webHosts(t, srv, currentUser(t), "web1", "web2")

	// The migration fails on web1, so its restart waits for a resumed run.
	dir := deployHosts(t)
	args := sshRun(srv, "testdata/lang/deploy.hcl", inventory, t.TempDir(), "-var", "dir="+dir)
	r := runbookSSH(t, args...)
	r.wantCode(t, exitTaskFailed)
	finished, _ := finishedByID(t, r.stdout)
	wantFinished(t, finished, map[string]string{
		"conf@web1": "changed", "reload@web1": "changed", "migrate@web1": "failed", "restart@web1": "skipped",
		"conf@web2": "changed", "reload@web2": "changed", "migrate@web2": "ok", "restart@web2": "changed",
	})
	wantHandlersRan(t, dir, map[string]string{"web1": "reload", "web2": "reload restart"})
	if err := os.WriteFile(filepath.Join(dir, "web1", "fixed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r = runbookSSH(t, append(args, "--resume")...)
	r.wantCode(t, exitOK)
	finished, _ = finishedByID(t, r.stdout)
	for id, e := range finished {
		if ran := id == "migrate@web1" || id == "restart@web1"; e.Restored == ran {
			t.Errorf("%s: restored %v, want %v", id, e.Restored, !ran)
		}
	}
	wantFinished(t, finished, map[string]string{"restart@web1": "changed", "migrate@web1": "ok"})
	wantHandlersRan(t, dir, map[string]string{"web1": "reload restart", "web2": "reload restart"})

	// --tags config, then --resume --tags db: restart needs conf, which
	// the journal gives back, changed, so restart runs without conf
	// running again. The journal gives back reload too, though --tags
	// leaves it out, so that a later resume does not run it again: a
	// last resume runs nothing.
	dir = deployHosts(t)
	if err := os.WriteFile(filepath.Join(dir, "web1", "fixed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	args = sshRun(srv, "testdata/lang/deploy.hcl", inventory, t.TempDir(), "-var", "dir="+dir)
	r = runbookSSH(t, append(args, "--tags", "config")...)
	r.wantCode(t, exitOK)
	finished, _ = finishedByID(t, r.stdout)
	wantFinished(t, finished, map[string]string{
		"conf@web1": "changed", "reload@web1": "changed", "migrate@web1": "skipped: " + engine.ReasonNotSelected, "restart@web1": "skipped: " + engine.ReasonNotSelected,
	})
	r = runbookSSH(t, append(args, "--resume", "--tags", "db")...)
	r.wantCode(t, exitOK)
	finished, _ = finishedByID(t, r.stdout)
	wantFinished(t, finished, map[string]string{
		"conf@web1": "changed", "reload@web1": "changed", "migrate@web1": "ok", "restart@web1": "changed",
		"conf@web2": "changed", "reload@web2": "changed", "migrate@web2": "ok", "restart@web2": "changed",
	})
	for id, e := range finished {
		if ran := e.Task == "migrate" || e.Task == "restart"; e.Restored == ran {
			t.Errorf("%s: restored %v, want %v", id, e.Restored, !ran)
		}
	}
	r = runbookSSH(t, append(args, "--resume")...)
	r.wantCode(t, exitOK)
	finished, _ = finishedByID(t, r.stdout)
	for id, e := range finished {
		if !e.Restored {
			t.Errorf("%s ran again (%s) in a resume of a run that did everything", id, e.Status)
		}
	}
	wantHandlersRan(t, dir, map[string]string{"web1": "reload restart", "web2": "reload restart"})
}

// TestSudoUserOverSSH runs testdata/lang/sudo_user.hcl over SSH as a
// user that sudo lets run anything as any user: without a password, and
// with one given in RUNBOOK_SUDO_PASSWORD, which shows neither in the
// output nor in the command lines of the host's processes. Then it runs
// testdata/lang/app.hcl twice: for_each, a handler and sudo_user.
func TestSudoUserOverSSH(t *testing.T) {
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{})
	app := sshdtest.NewUser(t)
	dir, err := os.MkdirTemp("", "runbook-sudo-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o1777); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		user sshdtest.User
	}{
		{"without a password", sshdtest.NewSudoUserWith(t, "", "NOPASSWD:")},
		{"with a password", sshdtest.NewSudoUser(t)},
	} {
		args := sshRun(srv, "testdata/lang/sudo_user.hcl", webHosts(t, srv, c.user.Name, "web1"), t.TempDir(), "-var", "dir="+dir, "-var", "app_user="+app.Name)
		r := runbookEnv(t, append(sshEnv(), "RUNBOOK_SUDO_PASSWORD="+c.user.Password), args...)
		r.wantCode(t, exitOK)
		finished, _ := finishedByID(t, r.stdout)
		if got := finished["whoami@web1"].Outputs["stdout"]; got != app.Name {
			t.Errorf("%s: id -un printed %q, want %s", c.name, got, app.Name)
		}
		ps := filepath.Join(dir, "web1.ps")
		if owner := fileOwner(t, ps); owner != app.Name {
			t.Errorf("%s: %s is owned by %s, want %s", c.name, ps, owner, app.Name)
		}
		if !strings.Contains(readHostFile(t, ps), "ps -eo args") {
			t.Errorf("%s: %s does not list the ps that wrote it:\n%s", c.name, ps, readHostFile(t, ps))
		}
		if strings.Contains(readHostFile(t, ps), c.user.Password) || strings.Contains(r.stdout+r.stderr, c.user.Password) {
			t.Errorf("%s: the password shows in the command lines of the host's processes or in the output", c.name)
		}
		if err := os.Remove(ps); err != nil {
			t.Fatal(err)
		}
	}

	// testdata/lang/app.hcl writes a file per setting as the application's
	// user, and restarts as that user when one changed: once.
	args := sshRun(srv, "testdata/lang/app.hcl", webHosts(t, srv, sshdtest.NewSudoUserWith(t, "", "NOPASSWD:").Name, "web1"), t.TempDir(),
		"-var", "dir="+dir, "-var", "app_user="+app.Name)
	for run, restart := range []string{"changed", "skipped: " + engine.ReasonNothingChanged} {
		r := runbookSSH(t, args...)
		r.wantCode(t, exitOK)
		finished, _ := finishedByID(t, r.stdout)
		wantFinished(t, finished, map[string]string{"restart@web1": restart, "port@web1": "ok"})
		if got := finished["port@web1"].Outputs["stdout"]; got != "8080" {
			t.Errorf("run %d: port@web1 printed %q, want 8080", run+1, got)
		}
	}
	if owner := fileOwner(t, filepath.Join(dir, "web1-port")); owner != app.Name {
		t.Errorf("the setting port is owned by %s, want %s", owner, app.Name)
	}
	if got := readHostFile(t, filepath.Join(dir, "web1-restarts")); got != app.Name+"\n" {
		t.Errorf("the restarts were %q, want one, by %s", got, app.Name)
	}
}

// fileOwner returns the name of the user that owns path.
func fileOwner(t *testing.T, path string) string {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := user.LookupId(strconv.FormatUint(uint64(info.Sys().(*syscall.Stat_t).Uid), 10))
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// TestValidateAnsibleHabits checks that validate refuses Ansible's names
// in a playbook of real modules, at their lines and columns, saying what
// to write instead.
func TestValidateAnsibleHabits(t *testing.T) {
	r := runbook(t, "validate", "--no-color", "testdata/lang/habits.hcl")
	r.wantCode(t, exitUsage)
	for _, want := range []string{
		"testdata/lang/habits.hcl:6:24, ", `no output named "rc". Ansible's rc is exit_code.`,
		"testdata/lang/habits.hcl:7:3, ", `For Ansible's register, read the task's outputs where they are needed`,
		"testdata/lang/habits.hcl:8:3, ", `For Ansible's become, write sudo = true.`,
	} {
		if !strings.Contains(strings.Join(strings.Fields(r.stderr), " "), want) {
			t.Errorf("validate does not say %q:\n%s", want, r.stderr)
		}
	}
}

// TestPlanShowsSudoUser checks that plan says which user sudo runs each
// instance of testdata/lang/app.hcl as.
func TestPlanShowsSudoUser(t *testing.T) {
	inventory := filepath.Join(t.TempDir(), "hosts.hcl")
	if err := os.WriteFile(inventory, []byte("host \"web1\" {\n  address = \"192.0.2.1\"\n  groups  = [\"web\"]\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runbook(t, "plan", "testdata/lang/app.hcl", "-i", inventory, "--no-color", "-var", "dir=/srv", "-var", "app_user=postgres")
	r.wantCode(t, exitOK)
	for _, want := range []string{"  + setting[port] (copy), as postgres through sudo\n", "  ? restart (shell), as postgres through sudo, after setting[port], setting[workers]\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
}

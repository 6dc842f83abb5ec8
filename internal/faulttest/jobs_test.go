package faulttest

import (
	"fmt"
	"os"
	osuser "os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// jobUser creates a login user (see loginUser) with a home of its own,
// where its detached jobs keep their files, and returns its name and
// home. Both are removed when the test ends, what is left of its jobs
// killed first.
func jobUser(t testing.TB) (string, string) {
	t.Helper()
	u, home := sshdtest.NewJobUser(t)
	return u.Name, home
}

// jobDirs returns the job directories in home.
func jobDirs(t testing.TB, home string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(home, ".runbook", "jobs", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// slowLines is a command that prints "line 1" to "line N", one every
// half second, then sleeps mark for a moment, so that the test can find
// its processes.
func slowLines(n int, mark string) string {
	return fmt.Sprintf("for i in $(seq %d); do echo line $i; sleep 0.5; done; sleep %s & sleep 0.2; kill $!", n, mark)
}

// wantLines fails the test unless want are the lines of output the
// events of task show, in order, once each.
func wantLines(t testing.TB, task string, want []string, recs ...*recorder) {
	t.Helper()
	var got []string
	for _, r := range recs {
		for _, e := range r.all() {
			if e.Kind == engine.EventOutput && e.Task == task {
				got = append(got, e.Line)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("the job's log showed %q, want %q", got, want)
	}
}

// lineSeq returns "line 1" to "line n".
func lineSeq(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %d", i+1)
	}
	return lines
}

// TestDetachedJobSurvivesCutConnection cuts the connection to the host
// while a detached task runs (sshd's per-connection processes are
// killed): the job goes on, and the run, connected again, follows it to
// its end and shows its whole log, no line lost or repeated: it never
// started the job again.
func TestDetachedJobSurvivesCutConnection(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	user, home := jobUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	mark := marker()
	p := load(t, hostBlock("a", srv, user)+fmt.Sprintf(`
task "command" "slow" {
  on     = [host.a]
  detach = true
  poll   = "100ms"
  cmd    = %q
}
`, slowLines(6, mark)), engine.LoadOptions{})
	state := t.TempDir()
	connect := sshConnect(knownHosts(t, trusting(srv)...))
	first := &recorder{}
	j := openJournal(t, state, p)
	run := startRun(t, p, engine.RunOptions{Connect: connect, Journal: j, Subscribers: []engine.Subscriber{first}})
	waitFor(t, "line 2", func() bool {
		return slices.ContainsFunc(first.all(), func(e engine.Event) bool { return e.Line == "line 2" })
	})
	for _, pid := range sshdtest.Descendants(srv.PID()) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(processesWith(home+"/.runbook/jobs/")) == 0 {
		t.Error("the job died with its connection")
	}
	rep, err := run.wait()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	res := wantStatus(t, rep, "slow@a", engine.StatusChanged)
	if fmt.Sprint(res.Outputs["exit_code"]) != "0" || !strings.HasSuffix(fmt.Sprint(res.Outputs["stdout"]), "line 6") {
		t.Errorf("outputs %v", res.Outputs)
	}
	wantLines(t, "slow", lineSeq(6), first)
	if dirs := jobDirs(t, home); len(dirs) > 0 {
		t.Errorf("the job's files are left once its end is journaled: %q", dirs)
	}
	if rec := wantRecord(t, lastRun(t, state), "slow@a", engine.StatusChanged); len(rec.Jobs) != 1 || rec.Jobs[0].End != "exited" {
		t.Errorf("the journal records the jobs %+v", rec.Jobs)
	}
}

// jobScene is a playbook of one detached task on a host of its own, and
// the runbook command lines that run and resume it.
type jobScene struct {
	home, mark string
	env, args  []string
}

// newJobScene writes a playbook whose task "slow" runs cmd detached,
// with extra lines in its block; cmd may use %[1]s for the scene's
// marker.
func newJobScene(t *testing.T, cmd string, extra ...string) *jobScene {
	t.Helper()
	user, home := jobUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	s := &jobScene{home: home, mark: marker()}
	block := append([]string{"on     = [host.a]", "detach = true", `poll   = "100ms"`, fmt.Sprintf("cmd    = %q", fmt.Sprintf(cmd, s.mark))}, extra...)
	dir := writeFiles(t, map[string]string{"main.hcl": hostBlock("a", srv, user) + "\ntask \"command\" \"slow\" {\n  " + strings.Join(block, "\n  ") + "\n}\n"})
	s.env = cliEnv(t)
	s.args = []string{"run", filepath.Join(dir, "main.hcl"), "--known-hosts", knownHosts(t, trusting(srv)...), "--state-dir", t.TempDir()}
	return s
}

// start starts the runbook command on the scene, with more arguments.
func (s *jobScene) start(t *testing.T, more ...string) *cli {
	return startCLI(t, s.env, append(slices.Clone(s.args), more...)...)
}

// jobDir returns the directory of the scene's one job.
func (s *jobScene) jobDir(t *testing.T) string {
	t.Helper()
	dirs := jobDirs(t, s.home)
	if len(dirs) != 1 {
		t.Fatalf("job directories %q, want one", dirs)
	}
	return dirs[0]
}

// killed SIGKILLs the command and waits for it to be gone.
func (c *cli) killed(t *testing.T) {
	t.Helper()
	c.signal(t, syscall.SIGKILL)
	<-c.done
}

// logLines returns the lines "line N" that runbook printed.
func logLines(stdout string) []string {
	return regexp.MustCompile(`(?m)\bline \d+$`).FindAllString(stdout, -1)
}

// TestDetachedResumeAfterSIGKILL kills runbook (SIGKILL) while a detached
// task runs: the job goes on, and runbook run --resume re-attaches to it
// (still running, or ended while runbook was down, when it reads its exit
// status) and shows its log from where the first run left it, no line
// lost or shown twice, then removes its files.
func TestDetachedResumeAfterSIGKILL(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	for _, endFirst := range []bool{false, true} {
		name := map[bool]string{false: "running", true: "ended"}[endFirst]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newJobScene(t, slowLines(8, "%[1]s")+"; exit 4", "ok_codes = [4]")
			c := s.start(t)
			c.waitStdout(t, "line 2")
			// Give the journal the moment it takes to record what was
			// shown: a line printed in the last milliseconds before a
			// SIGKILL may be shown again, never lost.
			time.Sleep(300 * time.Millisecond)
			c.killed(t)
			dir := s.jobDir(t)
			if len(processesWith(dir)) == 0 {
				t.Fatal("the job died with runbook")
			}
			if endFirst {
				waitFor(t, "the job's end", func() bool { _, err := os.Stat(filepath.Join(dir, "status")); return err == nil })
			}
			stdout, stderr, code := runCLI(t, s.env, append(slices.Clone(s.args), "--resume")...)
			if code != 0 {
				t.Fatalf("resume: exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if got := append(logLines(c.stdout.String()), logLines(stdout)...); !slices.Equal(got, lineSeq(8)) {
				t.Errorf("the two runs showed %q, want each line once\nfirst:\n%s\nresumed:\n%s", got, c.stdout, stdout)
			}
			wantContains(t, "the resumed run", stdout, "re-attached to job")
			if dirs := jobDirs(t, s.home); len(dirs) > 0 {
				t.Errorf("the job's files are left: %q", dirs)
			}
		})
	}
}

// TestDetachedTimeoutKillsProcessGroup runs a detached task past its
// timeout: the task fails saying so, and the job's whole process group
// is gone from the host's /proc, the command's children too.
func TestDetachedTimeoutKillsProcessGroup(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	s := newJobScene(t, "echo began; sleep %[1]s & sleep %[1]s; wait", `timeout = "2s"`)
	c := s.start(t)
	c.waitStdout(t, "a slow | began")
	waitFor(t, "both sleeps", func() bool { return len(processesWith(s.mark)) == 2 })
	code := c.wait(t)
	if code != 1 {
		t.Errorf("exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", code, c.stdout, c.stderr)
	}
	wantContains(t, "the output", c.stdout.String()+c.stderr.String(), "timed out after 2s", "killed (TERM)")
	if left := processesWith(s.mark); len(left) > 0 {
		t.Errorf("the job's processes outlived its timeout:\n%s", strings.Join(left, "\n"))
	}
	if dirs := jobDirs(t, s.home); len(dirs) > 0 {
		t.Errorf("the job's files are left: %q", dirs)
	}
}

// TestDetachedJobLost "reboots" the host while runbook is down: the job's
// process is gone without a status, and the boot id it recorded is not
// the host's. runbook run --resume reports the job as lost, with the end
// of its log, and a later resume treats the step as cut off mid-way:
// refused until --force-rerun, which starts it anew.
func TestDetachedJobLost(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	s := newJobScene(t, `if [ -e "$HOME/ran" ]; then echo again; exit 0; fi; touch "$HOME/ran"; echo before the reboot; sleep %[1]s`)
	c := s.start(t)
	c.waitStdout(t, "before the reboot")
	time.Sleep(300 * time.Millisecond)
	c.killed(t)
	dir := s.jobDir(t)
	pidFile := filepath.Join(dir, "pid")
	b, err := os.ReadFile(pidFile)
	f := strings.Fields(string(b))
	if err != nil || len(f) != 3 {
		t.Fatalf("pid file %q: %v", b, err)
	}
	if err := os.WriteFile(pidFile, []byte(f[0]+" "+f[1]+" 00000000-0000-0000-0000-000000000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(f[0])
	syscall.Kill(-pid, syscall.SIGKILL)
	waitGone(t, s.mark)

	stdout, stderr, code := runCLI(t, s.env, append(slices.Clone(s.args), "--resume")...)
	if code != 1 {
		t.Errorf("resume: exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	wantContains(t, "the resumed run", stdout, "job lost", "the host rebooted", "before the reboot")
	stdout, stderr, code = runCLI(t, s.env, append(slices.Clone(s.args), "--resume")...)
	if code != 2 {
		t.Errorf("second resume: exit status %d, want 2 (refused)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	wantContains(t, "the refusal", stderr, "task slow on host a lost its detached job", "--force-rerun=slow@a")
	stdout, stderr, code = runCLI(t, s.env, append(slices.Clone(s.args), "--resume", "--force-rerun=slow@a")...)
	if code != 0 {
		t.Errorf("resume with --force-rerun: exit status %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	wantContains(t, "the rerun", stdout, "again")
}

// TestDetachedInterrupt interrupts runbook while a detached task runs.
// The first SIGINT detaches at once: runbook exits 130 with a recap that
// names the job still running and says to resume, and the job goes on.
// Without a terminal a second SIGINT does no more: nobody can confirm
// killing the job. A new run refuses to start over, which would start
// the job a second time; --resume re-attaches and shows the rest of its
// log.
func TestDetachedInterrupt(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	for _, signals := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d SIGINT", signals), func(t *testing.T) {
			t.Parallel()
			s := newJobScene(t, slowLines(8, "%[1]s"))
			c := s.start(t)
			c.waitStdout(t, "line 2")
			time.Sleep(300 * time.Millisecond)
			for range signals {
				c.signal(t, syscall.SIGINT)
			}
			code := c.wait(t)
			stdout := c.stdout.String()
			if code != 130 {
				t.Errorf("exit status %d, want 130\nstdout:\n%s\nstderr:\n%s", code, stdout, c.stderr)
			}
			_, recap, _ := strings.Cut(stdout, "Recap")
			dir := s.jobDir(t)
			wantContains(t, "the recap", recap, "CANCELLED", "Still running on their hosts", "task slow on host a: job "+filepath.Base(dir), "--resume")
			if len(processesWith(dir)) == 0 {
				t.Fatal("the job did not survive the interrupt")
			}
			again, stderr, code := runCLI(t, s.env, s.args...)
			if code != 2 {
				t.Errorf("a new run: exit status %d, want 2 (refused)\nstdout:\n%s\nstderr:\n%s", code, again, stderr)
			}
			wantContains(t, "the refusal to start over", stderr, "the last run left task slow on host a running detached: job "+filepath.Base(dir), "--resume", "--abandon-jobs=HOST")
			resumed, stderr, code := runCLI(t, s.env, append(slices.Clone(s.args), "--resume")...)
			if code != 0 {
				t.Fatalf("resume: exit status %d\nstdout:\n%s\nstderr:\n%s", code, resumed, stderr)
			}
			if got := append(logLines(stdout), logLines(resumed)...); !slices.Equal(got, lineSeq(8)) {
				t.Errorf("the two runs showed %q, want each line once\nfirst:\n%s\nresumed:\n%s", got, stdout, resumed)
			}
		})
	}
}

// TestDetachedAbandonJobs gives up, with --abandon-jobs, the job that an
// interrupted run left running, as when its host is gone for good: a host
// where no job was left is refused, named; the host of the job lets the
// run start over, which says the job was given up, and the journal
// records it so.
func TestDetachedAbandonJobs(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	s := newJobScene(t, slowLines(4, "%[1]s"))
	c := s.start(t)
	c.waitStdout(t, "line 2")
	c.signal(t, syscall.SIGINT)
	if code := c.wait(t); code != 130 {
		t.Fatalf("exit status %d, want 130\nstdout:\n%s\nstderr:\n%s", code, c.stdout.String(), c.stderr)
	}
	id := filepath.Base(s.jobDir(t))
	if _, stderr, code := runCLI(t, s.env, append(slices.Clone(s.args), "--abandon-jobs=b")...); code != 2 {
		t.Errorf("--abandon-jobs on a host with no job: exit status %d, want 2 (refused)\nstderr:\n%s", code, stderr)
	} else {
		wantContains(t, "the refusal", stderr, "no detached job to abandon on host b")
	}
	stdout, stderr, code := runCLI(t, s.env, append(slices.Clone(s.args), "--abandon-jobs", "a")...)
	if code != 0 {
		t.Fatalf("--abandon-jobs a: exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	wantContains(t, "the run", stderr, "gave up job "+id+" on host a, of slow@a")
	run := lastRun(t, s.args[len(s.args)-1])
	wantRecord(t, run, "slow@a", engine.StatusChanged)
	if len(run.Abandoned) != 1 || run.Abandoned[0].Job.ID != id || run.Abandoned[0].Instance != "slow@a" || run.Abandoned[0].At.IsZero() {
		t.Errorf("the journal records the jobs given up as %+v, want job %s of slow@a", run.Abandoned, id)
	}
}

// TestDetachedRunSweepsOldJobs plants the files of finished jobs in the
// job directory of a host's user, one older than the run's JobMaxAge and
// one recent, and runs two detached tasks there (a command, and a shell
// script, which reaches its interpreter on standard input): the first
// job the run starts removes the old files, once, and keeps the recent
// ones.
func TestDetachedRunSweepsOldJobs(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	user, home := jobUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	acct, err := osuser.Lookup(user)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(acct.Uid)
	gid, _ := strconv.Atoi(acct.Gid)
	plant := func(name string, age time.Duration) string {
		dir := filepath.Join(home, ".runbook", "jobs", name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "status"), []byte("0 1700000000\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{filepath.Join(home, ".runbook"), filepath.Dir(dir), dir, filepath.Join(dir, "status")} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		then := time.Now().Add(-age)
		if err := os.Chtimes(dir, then, then); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	old, recent := plant("0123456789abcdef01234567", 3*time.Hour), plant("89abcdef0123456789abcdef", time.Minute)
	p := load(t, hostBlock("a", srv, user)+`
task "command" "one" {
  on     = [host.a]
  detach = true
  poll   = "100ms"
  argv   = ["true"]
}

task "shell" "two" {
  on     = [host.a]
  detach = true
  poll   = "100ms"
  script = "echo from a script\n"
}
`, engine.LoadOptions{})
	events := &recorder{}
	rep, err := runNow(t, p, engine.RunOptions{Connect: sshConnect(knownHosts(t, trusting(srv)...)), JobMaxAge: time.Hour, Subscribers: []engine.Subscriber{events}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	wantStatus(t, rep, "one@a", engine.StatusChanged)
	wantStatus(t, rep, "two@a", engine.StatusChanged)
	wantLines(t, "two", []string{"from a script"}, events)
	if got := jobDirs(t, home); !slices.Equal(got, []string{recent}) {
		t.Errorf("job directories after the run %q, want only the recent %s (not %s)", got, recent, old)
	}
	swept := 0
	for _, e := range events.all() {
		if e.Kind == engine.EventProgress && strings.Contains(e.Line, "removed the files of old jobs that no longer run: 1") {
			swept++
		}
	}
	if swept != 1 {
		t.Errorf("%d progress events say old jobs were removed, want 1", swept)
	}
}

// TestDetachedTimeoutSpansResume kills runbook while a detached task
// runs, and resumes after the task's timeout has passed since the job
// started: the timeout bounds the job from its start, not from the
// re-attach, so the resumed run kills its process group at once.
func TestDetachedTimeoutSpansResume(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	s := newJobScene(t, "echo began; sleep %[1]s", `timeout = "3s"`)
	start := time.Now()
	c := s.start(t)
	c.waitStdout(t, "a slow | began")
	c.killed(t)
	waitProcess(t, s.mark)
	time.Sleep(time.Until(start.Add(4 * time.Second)))
	if len(processesWith(s.mark)) == 0 {
		t.Fatal("the job ended without runbook")
	}
	stdout, stderr, code := runCLI(t, s.env, append(slices.Clone(s.args), "--resume")...)
	if code != 1 {
		t.Errorf("resume: exit status %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	wantContains(t, "the resumed run", stdout, "re-attached to job", "killed (TERM) at the task's timeout")
	if left := processesWith(s.mark); len(left) > 0 {
		t.Errorf("the job outlived its timeout:\n%s", strings.Join(left, "\n"))
	}
}

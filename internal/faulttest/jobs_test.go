package faulttest

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// jobUser creates a login user (see loginUser) with a home of its own,
// where its detached jobs keep their files, and returns its name and
// home. Both are removed when the test ends.
func jobUser(t testing.TB) (string, string) {
	t.Helper()
	u := sshdtest.NewUser(t)
	return u.Name, u.MakeHome(t)
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

package faulttest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/sshtransport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// keepAlive is the keepalive interval of the transport in the tests of a
// host that stops answering: a keepalive not answered within it marks the
// connection lost.
const keepAlive = time.Second

// withKeepAlive sets the transport's keepalive interval to keepAlive.
func withKeepAlive(c *sshtransport.Config) { c.KeepAlive = keepAlive }

// crashPlaybook is a run over hosts a and b, as user, in which the task
// long runs on a until its server breaks (a sleep of the duration mark,
// unless the file dir/release exists) and on b until dir/release exists;
// prepare counts its runs in dir, and after needs long on the same host.
func crashPlaybook(a, b *sshdtest.Server, user, dir, mark string) string {
	return hostBlock("a", a, user) + hostBlock("b", b, user) + fmt.Sprintf(`
task "command" "prepare" {
  on  = [host.a, host.b]
  cmd = "echo prepared | tee -a %[1]s/prepared-${self.name}"
}

task "command" "long" {
  on  = [host.a, host.b]
  cmd = (self.name == "a" ?
    "if [ -e %[1]s/release ]; then echo released; else sleep %[2]s; fi" :
  "while [ ! -e %[1]s/release ]; do sleep 0.05; done; echo released")
  env = { PREPARED = task.prepare.stdout }
}

task "command" "after" {
  on   = [host.a, host.b]
  argv = ["echo", "after", task.long.stdout]
}
`, dir, mark)
}

// TestServerDiesMidTask breaks host a while a task runs there: its sshd
// and every process of its sessions are killed (the connection breaks),
// or frozen with SIGSTOP (the connection stays open, nothing answers, and
// the keepalives go unanswered). Either way that task fails with a lost
// connection, what needs it is skipped, host b, whose own task runs
// across the fault, finishes everything, and the journal says so. Once
// host a is back, resuming the run finishes the job without running again
// what succeeded.
func TestServerDiesMidTask(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	for _, fault := range []struct {
		name    string
		inflict func(*sshdtest.Server, testing.TB)
	}{
		{"crash", (*sshdtest.Server).Crash},
		{"freeze", (*sshdtest.Server).Freeze},
	} {
		t.Run(fault.name, func(t *testing.T) {
			t.Parallel()
			user := loginUser(t) // before the servers: its removal waits for their end
			a := sshdtest.Start(t, sshdtest.Options{})
			b := sshdtest.Start(t, sshdtest.Options{})
			dir, state, mark := sharedDir(t), t.TempDir(), marker()
			p := load(t, crashPlaybook(a, b, user, dir, mark), engine.LoadOptions{})
			opts := engine.RunOptions{Connect: sshConnect(knownHosts(t, trusting(a, b)...), withKeepAlive)}

			first, events := opts, &recorder{}
			first.Subscribers = []engine.Subscriber{events}
			first.Journal = openJournal(t, state, p)
			run := startRun(t, p, first)
			waitProcess(t, "sleep "+mark)                 // long runs on a
			waitProcess(t, filepath.Join(dir, "release")) // and on b
			fault.inflict(a, t)
			if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := run.wait()
			first.Journal.Close()
			checkDiedMidTask(t, rep, err, events)
			checkJournalAfterFault(t, lastRun(t, state))

			a.Restart(t)
			checkResumed(t, resumeAfterFault(t, p, opts, state), dir, lastRun(t, state))
		})
	}
}

// checkDiedMidTask checks the outcome of a crashPlaybook run in which
// host a broke while long ran there.
func checkDiedMidTask(t *testing.T, rep *engine.Report, err error, events *recorder) {
	t.Helper()
	wantErr(t, "the run", err, engine.ErrTaskFailed)
	long := wantStatus(t, rep, "long@a", engine.StatusFailed)
	wantErr(t, "long@a", long.Err, transport.ErrConnectionLost)
	if long.Err != nil {
		wantContains(t, "the error of long@a", long.Err.Error(), "host a", "connection lost")
	}
	if long.Unreachable {
		t.Error("long@a is marked unreachable: its host answered, then the connection broke")
	}
	after := wantStatus(t, rep, "after@a", engine.StatusSkipped)
	if after.Err != nil {
		wantContains(t, "the error of after@a", after.Err.Error(), "needs task long on host a, which failed")
	}
	for _, id := range []string{"prepare@a", "prepare@b", "long@b", "after@b"} {
		wantStatus(t, rep, id, engine.StatusChanged)
	}
	if out := resultOf(t, rep, "after@b").Outputs["stdout"]; out != "after released" {
		t.Errorf("after@b printed %q, want %q", out, "after released")
	}
	if e, ok := events.find(engine.EventTaskFinished, "long", "a"); !ok || e.Status != engine.StatusFailed {
		t.Errorf("no task_finished event saying long@a failed: %+v", e)
	}
	if _, ok := events.find(engine.EventHostUnreachable, "", "a"); ok {
		t.Error("host a was reported unreachable, though it was reached")
	}
}

// checkJournalAfterFault checks what the journal kept of that run: it
// ended, long@a started and failed with its connection lost, after@a was
// skipped, and the rest changed.
func checkJournalAfterFault(t *testing.T, run *journal.Run) {
	t.Helper()
	if run.State != journal.StateFinished {
		t.Errorf("the journal records the run as %s, want %s", run.State, journal.StateFinished)
	}
	long := wantRecord(t, run, "long@a", engine.StatusFailed)
	if long.Started.IsZero() || !strings.Contains(long.Error, "connection lost") {
		t.Errorf("the journal's record of long@a does not say it started and lost its connection: %+v", long)
	}
	wantRecord(t, run, "after@a", engine.StatusSkipped)
	for _, id := range []string{"prepare@a", "prepare@b", "long@b", "after@b"} {
		wantRecord(t, run, id, engine.StatusChanged)
	}
}

// resumeAfterFault resumes the run recorded in state. Whether long@a's
// command ended on the host is unknown (its connection was lost while it
// ran), as for an instance cut off mid-way, and its module is not safe to
// repeat: the resumed run must refuse to run it again, naming it, and run
// it once told to (as the operator does after checking the host).
func resumeAfterFault(t *testing.T, p *engine.Playbook, opts engine.RunOptions, state string) *engine.Report {
	t.Helper()
	resume := opts
	resume.Resume = true
	resume.Journal = openJournal(t, state, p)
	rep, err := runNow(t, p, resume)
	resume.Journal.Close()
	var unsafe *engine.UnsafeResumeError
	if !errors.As(err, &unsafe) {
		t.Errorf("resuming ran long@a again on its own, though whether its command ended on the host is unknown (its connection was lost while it ran): %v", err)
		return rep
	}
	if len(unsafe.Instances) != 1 || unsafe.Instances[0].ID() != "long@a" {
		t.Errorf("resuming refused for %v, want for long@a only", unsafe)
	}
	resume.Rerun = []string{"long@a"}
	resume.Journal = openJournal(t, state, p)
	rep, err = runNow(t, p, resume)
	resume.Journal.Close()
	if err != nil {
		t.Errorf("resuming with long@a to run again: %v", err)
	}
	return rep
}

// checkResumed checks a resumed run that finished the job: long and
// after ran again on a, everything else came from the journal (prepare
// ran once on each host), and the journal records a finished run.
func checkResumed(t *testing.T, rep *engine.Report, dir string, run *journal.Run) {
	t.Helper()
	if rep == nil {
		t.Fatal("the resumed run did not run")
	}
	for _, id := range []string{"long@a", "after@a"} {
		if r := wantStatus(t, rep, id, engine.StatusChanged); r.Restored {
			t.Errorf("%s was restored from the journal, but it had not succeeded", id)
		}
	}
	for _, id := range []string{"prepare@a", "prepare@b", "long@b", "after@b"} {
		if r := wantStatus(t, rep, id, engine.StatusChanged); !r.Restored {
			t.Errorf("%s ran again, though it had succeeded", id)
		}
	}
	if out := resultOf(t, rep, "after@a").Outputs["stdout"]; out != "after released" {
		t.Errorf("after@a printed %q, want %q", out, "after released")
	}
	for _, h := range []string{"a", "b"} {
		if b, err := os.ReadFile(filepath.Join(dir, "prepared-"+h)); err != nil || string(b) != "prepared\n" {
			t.Errorf("prepare ran on %s with this record: %q (%v), want one run", h, b, err)
		}
	}
	if run.State != journal.StateFinished {
		t.Errorf("the journal records the resumed run as %s, want %s", run.State, journal.StateFinished)
	}
	for _, id := range []string{"prepare@a", "prepare@b", "long@a", "long@b", "after@a", "after@b"} {
		wantRecord(t, run, id, engine.StatusChanged)
	}
}

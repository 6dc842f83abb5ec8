package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/engine/internal/exec"
	"github.com/runbookhq/runbook/engine/internal/loadtest"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/engine/transport"
)

// journalRun runs p with a journal in state, resuming when resume is set,
// and returns the report, the events and the error.
func journalRun(t *testing.T, ctx context.Context, p *Playbook, state string, opts RunOptions) (*Report, []Event, error) {
	t.Helper()
	j, err := journal.Open(state, p.JournalKey())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	rec := &recorder{}
	opts.Journal = j
	opts.Subscribers = append(opts.Subscribers, rec)
	rep, err := Run(ctx, p, opts)
	return rep, rec.all(), err
}

// lastRun reads the journal of p in state.
func lastRun(t *testing.T, p *Playbook, state string) *journal.Run {
	t.Helper()
	j, err := journal.Open(state, p.JournalKey())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	last, err := j.Last()
	if err != nil || last == nil {
		t.Fatalf("last run: %v, %v", last, err)
	}
	return last
}

func TestResumeRestoresFinishedInstances(t *testing.T) {
	key := uniqueKey(t)
	p := mustLoad(t, fmt.Sprintf(`
task "step" "first" {
  key   = "%[1]s-first"
  input = "first"
}
task "flaky" "gate" {
  key      = "%[1]s-gate"
  failures = 1
}
task "step" "second" {
  key   = "%[1]s-second"
  input = "${task.first.value}/${task.gate.attempt}"
}
task "step" "never" {
  key  = "%[1]s-never"
  when = false
}
`, key), LoadOptions{})
	state := t.TempDir()

	rep, _, err := journalRun(t, context.Background(), p, state, RunOptions{})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("first run: %v", err)
	}
	if got := resultOf(t, rep, "second@local").Status; got != StatusSkipped {
		t.Fatalf("second ended %s in the first run", got)
	}
	if last := lastRun(t, p, state); last.State != journal.StateFinished || len(last.Records) != 4 {
		t.Errorf("journal after the first run: %s, %d records", last.State, len(last.Records))
	}

	rep, events, err := journalRun(t, context.Background(), p, state, RunOptions{Resume: true})
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	first := resultOf(t, rep, "first@local")
	if !first.Restored || first.Status != StatusChanged || first.Outputs["value"] != "first#1" || runs(key+"-first") != 1 {
		t.Errorf("first: restored %v, %s, %v, ran %d times", first.Restored, first.Status, first.Outputs, runs(key+"-first"))
	}
	// The instance that reads the restored output sees the value of the
	// first run.
	if second := resultOf(t, rep, "second@local"); second.Restored || second.Outputs["value"] != "first#1/2#1" {
		t.Errorf("second: restored %v, outputs %v", second.Restored, second.Outputs)
	}
	if never := resultOf(t, rep, "never@local"); !never.Restored || never.Status != StatusSkipped || runs(key+"-never") != 0 {
		t.Errorf("never: restored %v, %s", never.Restored, never.Status)
	}
	for _, e := range events {
		if e.Task == "first" && (e.Kind == EventTaskStarted || e.Kind == EventTaskFinished && !e.Restored) {
			t.Errorf("first ran again: %+v", e)
		}
	}

	// A resume of a finished run restores everything.
	rep, _, err = journalRun(t, context.Background(), p, state, RunOptions{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range rep.Instances {
		if !res.Restored {
			t.Errorf("%s ran again", res.ID())
		}
	}
	if runs(key+"-first") != 1 || runs(key+"-second") != 1 {
		t.Errorf("steps ran %d and %d times, want once", runs(key+"-first"), runs(key+"-second"))
	}
}

// TestResumeCutOffInstances interrupts a run while two modules run, one
// safe to repeat and one not: the resume refuses to start until the
// unsafe one is named to run again.
func TestResumeCutOffInstances(t *testing.T) {
	key := uniqueKey(t)
	p := mustLoad(t, fmt.Sprintf(`
task "gate" "unsafe" {
  key = "%[1]s-unsafe"
}
task "gate" "safe" {
  key        = "%[1]s-safe"
  repeatable = true
}
task "step" "after" {
  key        = "%[1]s-after"
  depends_on = [task.unsafe, task.safe]
}
`, key), LoadOptions{})
	state := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	waiting := 0
	sub := SubscriberFunc(func(e Event) {
		if e.Kind == EventProgress {
			if waiting++; waiting == 2 {
				cancel()
			}
		}
	})
	_, _, err := journalRun(t, ctx, p, state, RunOptions{Subscribers: []Subscriber{sub}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: %v", err)
	}
	last := lastRun(t, p, state)
	if last.State != journal.StateInterrupted {
		t.Errorf("the journal says the run %s", last.State)
	}

	rep, events, err := journalRun(t, context.Background(), p, state, RunOptions{Resume: true})
	var unsafe *UnsafeResumeError
	if !errors.As(err, &unsafe) || !errors.Is(err, ErrUnsafeResume) || rep != nil || len(events) != 0 {
		t.Fatalf("resume: %v, report %v, %d events", err, rep, len(events))
	}
	if len(unsafe.Instances) != 1 || unsafe.Instances[0].ID() != "unsafe@local" || unsafe.Instances[0].Reason != exec.ReasonCutOff {
		t.Errorf("unsafe instances %+v", unsafe.Instances)
	}
	if !strings.Contains(err.Error(), "task unsafe on host local was cut off mid-way and its module is not safe to repeat") {
		t.Errorf("error: %v", err)
	}
	if again := lastRun(t, p, state); again.Started != last.Started {
		t.Error("a refused resume replaced the journal")
	}

	for _, bad := range [][]string{{"nope@local"}, {"unsafe@elsewhere"}} {
		if _, _, err := journalRun(t, context.Background(), p, state, RunOptions{Resume: true, Rerun: bad}); err == nil || !strings.Contains(err.Error(), "rerun: ") {
			t.Errorf("Rerun %v: %v", bad, err)
		}
	}
	if _, _, err := journalRun(t, context.Background(), p, state, RunOptions{Rerun: []string{"unsafe"}}); err == nil {
		t.Error("Rerun without Resume is accepted")
	}

	close(gate(key + "-unsafe"))
	close(gate(key + "-safe"))
	rep, _, err = journalRun(t, context.Background(), p, state, RunOptions{Resume: true, Rerun: []string{"unsafe@local"}})
	if err != nil {
		t.Fatalf("resume with rerun: %v", err)
	}
	for _, id := range []string{"unsafe@local", "safe@local", "after@local"} {
		if res := resultOf(t, rep, id); res.Restored || res.Status != StatusChanged {
			t.Errorf("%s: %s, restored %v", id, res.Status, res.Restored)
		}
	}
}

func TestResumeRefusesChanges(t *testing.T) {
	key := uniqueKey(t)
	dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": fmt.Sprintf(`
variable "x" {
  type = string
}
variable "pw" {
  type      = string
  sensitive = true
}
task "step" "one" {
  key   = "%s"
  input = "${var.x}-${var.pw}"
}
`, key)})
	load := func(vars ...string) *Playbook {
		p, diags := Load(dir, LoadOptions{Vars: vars})
		if diags.HasErrors() {
			t.Fatal(diagText(p, diags))
		}
		return p
	}
	state := t.TempDir()
	if _, _, err := journalRun(t, context.Background(), load("x=1", "pw=a"), state, RunOptions{Resume: true}); !errors.Is(err, ErrNothingToResume) {
		t.Errorf("resume with an empty journal: %v", err)
	}
	if _, _, err := journalRun(t, context.Background(), load("x=1", "pw=a"), state, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, err := journalRun(t, context.Background(), load("x=2", "pw=b"), state, RunOptions{Resume: true})
	var changed *ResumeChangedError
	if !errors.As(err, &changed) || !errors.Is(err, ErrResumeChanged) || changed.Playbook || !slices.Equal(changed.Vars, []string{"pw", "x"}) {
		t.Fatalf("changed variables: %v", err)
	}
	rep, _, err := journalRun(t, context.Background(), load("x=2", "pw=b"), state, RunOptions{Resume: true, ResumeChanged: true})
	if err != nil || !resultOf(t, rep, "one@local").Restored {
		t.Fatalf("resume with ResumeChanged: %v", err)
	}

	if err := os.WriteFile(filepath.Join(dir, "more.hcl"), []byte("# a comment changes the playbook\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = journalRun(t, context.Background(), load("x=2", "pw=b"), state, RunOptions{Resume: true})
	if !errors.As(err, &changed) || !changed.Playbook || len(changed.Vars) != 0 {
		t.Fatalf("changed playbook: %v", err)
	}
	if !strings.Contains(err.Error(), "the playbook's files changed since the run of") {
		t.Errorf("error: %v", err)
	}
}

// TestJournalHoldsNoSecret runs tasks whose outputs hold a secret: the
// journal file never shows it, and a resume that needs those outputs runs
// their task again, or refuses when that is not safe.
func TestJournalHoldsNoSecret(t *testing.T) {
	const secret = "s3cr3t-value-42"
	key := uniqueKey(t)
	p := mustLoad(t, fmt.Sprintf(`
variable "pw" {
  type      = string
  sensitive = true
}
host "hidden" {
  address = var.pw
}
task "step" "producer" {
  key        = "%[1]s-producer"
  input      = "pw is ${var.pw}"
  repeatable = true
}
task "echo" "leak" {
  message = "pw is ${var.pw}"
}
task "flaky" "consumer" {
  key      = "%[1]s-consumer-${length(task.producer.value)}"
  failures = 1
}
task "flaky" "reader" {
  key      = "%[1]s-reader-${length(task.leak.message)}"
  failures = 1
}
`, key), LoadOptions{Vars: []string{"pw=" + secret}})
	state := t.TempDir()
	if _, _, err := journalRun(t, context.Background(), p, state, RunOptions{}); !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("first run: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(state, p.JournalKey()+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) || strings.Contains(string(data), "tok-") {
		t.Fatalf("the journal holds the secret:\n%s", data)
	}
	last := lastRun(t, p, state)
	for _, rec := range last.Records {
		if wantRedacted := rec.Task == "producer" || rec.Task == "leak"; rec.Redacted != wantRedacted {
			t.Errorf("%s: redacted %v", rec.ID(), rec.Redacted)
		}
	}

	// reader needs leak's outputs, which the journal could not keep, and
	// echo is not safe to repeat.
	_, _, err = journalRun(t, context.Background(), p, state, RunOptions{Resume: true})
	var unsafe *UnsafeResumeError
	if !errors.As(err, &unsafe) || len(unsafe.Instances) != 1 || unsafe.Instances[0].ID() != "leak@local" {
		t.Fatalf("resume: %v", err)
	}
	// Named to run again, leak runs; producer, safe to repeat, runs again
	// on its own because consumer needs its outputs.
	rep, _, err := journalRun(t, context.Background(), p, state, RunOptions{Resume: true, Rerun: []string{"leak"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"producer@local", "leak@local", "consumer@local", "reader@local"} {
		if res := resultOf(t, rep, id); res.Restored || res.Failed() {
			t.Errorf("%s: %s, restored %v", id, res.Status, res.Restored)
		}
	}
	if runs(key+"-producer") != 2 {
		t.Errorf("producer ran %d times, want twice", runs(key+"-producer"))
	}
	data, err = os.ReadFile(filepath.Join(state, p.JournalKey()+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) {
		t.Fatalf("the journal holds the secret:\n%s", data)
	}
}

func TestStopRecordsAnInterruptedRun(t *testing.T) {
	key := uniqueKey(t)
	p := mustLoad(t, fmt.Sprintf(`
task "gate" "slow" {
  key = %q
}
task "step" "after" {
  key        = "%[1]s-after"
  depends_on = [task.slow]
}
`, key), LoadOptions{})
	state := t.TempDir()
	stop := make(chan struct{})
	sub := SubscriberFunc(func(e Event) {
		if e.Kind == EventProgress {
			close(stop)
			close(gate(key))
		}
	})
	if _, _, err := journalRun(t, context.Background(), p, state, RunOptions{Stop: stop, Subscribers: []Subscriber{sub}}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("run: %v", err)
	}
	last := lastRun(t, p, state)
	if last.State != journal.StateInterrupted {
		t.Errorf("state %s, want interrupted", last.State)
	}
	rep, _, err := journalRun(t, context.Background(), p, state, RunOptions{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if !resultOf(t, rep, "slow@local").Restored || resultOf(t, rep, "after@local").Status != StatusChanged {
		t.Errorf("resume: %+v", rep.Instances)
	}
}

// lossyHost is the control node reached through a connection that breaks
// under the first lose commands: they fail with ErrConnectionLost, as when
// a host dies while a command runs.
type lossyHost struct {
	transport.Host
	mu   sync.Mutex
	lose int
}

func (l *lossyHost) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	l.mu.Lock()
	lost := l.lose > 0
	l.lose--
	l.mu.Unlock()
	if lost {
		return transport.Result{}, fmt.Errorf("ssh: %w", transport.ErrConnectionLost)
	}
	return l.Host.Run(ctx, cmd)
}

// TestResumeAfterLostConnection loses the connection to host broken under
// every command, and to host blip under the first one only. An instance
// that failed so is recorded as cut off, as what it ran on its host may
// or may not have ended: the resume refuses to run it again unless its
// module is safe to repeat or it is named in Rerun. One whose retry
// succeeded is not.
func TestResumeAfterLostConnection(t *testing.T) {
	p := mustLoad(t, `
host "broken" {}
host "blip" {}
task "shell" "once" {
  on      = [host.broken, host.blip]
  script  = "echo once"
  retries = 1
  delay   = "0s"
}
task "shell" "safe" {
  on         = host.broken
  script     = "echo safe"
  repeatable = true
}
task "shell" "after" {
  on     = [host.broken, host.blip]
  script = "echo ${task.once.stdout} after"
}
`, LoadOptions{})
	state := t.TempDir()
	lossy := func(h HostConfig) (transport.Host, error) {
		lose := 1
		if h.Name == "broken" {
			lose = 1000
		}
		return &lossyHost{Host: transport.NewLocal(), lose: lose}, nil
	}
	rep, _, err := journalRun(t, context.Background(), p, state, RunOptions{Connect: lossy})
	if !errors.Is(err, ErrTaskFailed) || errors.Is(err, ErrHostUnreachable) {
		t.Fatalf("first run: %v", err)
	}
	for _, id := range []string{"once@broken", "safe@broken"} {
		if res := resultOf(t, rep, id); res.Status != StatusFailed || !errors.Is(res.Err, transport.ErrConnectionLost) || res.Unreachable {
			t.Errorf("%s: %s, unreachable %v, %v", id, res.Status, res.Unreachable, res.Err)
		}
	}
	if res := resultOf(t, rep, "once@blip"); res.Status != StatusChanged || res.Attempts != 2 {
		t.Errorf("once@blip: %s after %d attempts, want changed after 2", res.Status, res.Attempts)
	}
	last := lastRun(t, p, state)
	for id, lost := range map[string]bool{"once@broken": true, "safe@broken": true, "once@blip": false, "after@broken": false, "after@blip": false} {
		if rec, ok := last.Record(id); !ok || rec.ConnectionLost != lost || rec.CutOff() != lost {
			t.Errorf("the journal's record of %s: %+v, want connection lost and cut off: %v", id, rec, lost)
		}
	}

	local := func(HostConfig) (transport.Host, error) { return transport.NewLocal(), nil }
	_, _, err = journalRun(t, context.Background(), p, state, RunOptions{Connect: local, Resume: true})
	var unsafe *UnsafeResumeError
	if !errors.As(err, &unsafe) || len(unsafe.Instances) != 1 || unsafe.Instances[0].ID() != "once@broken" || unsafe.Instances[0].Reason != exec.ReasonLost {
		t.Fatalf("resume: %v", err)
	}
	if !strings.Contains(err.Error(), "task once on host broken lost its connection to its host mid-way") {
		t.Errorf("resume error: %v", err)
	}

	rep, _, err = journalRun(t, context.Background(), p, state, RunOptions{Connect: local, Resume: true, Rerun: []string{"once@broken"}})
	if err != nil {
		t.Fatalf("resume with rerun: %v", err)
	}
	for id, restored := range map[string]bool{"once@broken": false, "safe@broken": false, "after@broken": false, "once@blip": true, "after@blip": true} {
		if res := resultOf(t, rep, id); res.Status != StatusChanged || res.Restored != restored {
			t.Errorf("%s: %s, restored %v, want changed, restored %v", id, res.Status, res.Restored, restored)
		}
	}
	if out := resultOf(t, rep, "after@broken").Outputs["stdout"]; out != "once after" {
		t.Errorf("after@broken printed %q", out)
	}
}

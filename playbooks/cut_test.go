package playbooks_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/job"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/internal/sim"
	"github.com/runbookhq/runbook/playbooks"
)

// events keeps the events of a run.
type events struct {
	mu  sync.Mutex
	all []engine.Event
}

func (e *events) Event(ev engine.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// lines returns the lines of the given kind that task showed; with
// stream set, only the output lines of that stream.
func (e *events) lines(kind engine.EventKind, task, stream string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.all {
		if ev.Kind == kind && ev.Task == task && (stream == "" || ev.Stream == stream) {
			out = append(out, ev.Line)
		}
	}
	return out
}

// waitLine waits until task showed a line of the kind holding text, after
// the first skip such lines.
func (e *events) waitLine(t *testing.T, kind engine.EventKind, task, text string, skip int, within time.Duration) {
	t.Helper()
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if n := len(slices.DeleteFunc(e.lines(kind, task, ""), func(l string) bool { return !strings.Contains(l, text) })); n > skip {
			return
		}
	}
	t.Fatalf("task %s did not show %q within %s; it showed %q", task, text, within, e.lines(kind, task, ""))
}

// TestHAPairCopySurvivesCutConnection runs the bundled playbook on a pair
// whose PostgreSQL copy takes a minute (profile 30): cluster_add_slaves,
// which copies in-line, runs as a detached job on the Primary. The
// operator's connections to the Primary are cut in the middle of the
// copy (see copySurvivesCut).
func TestHAPairCopySurvivesCutConnection(t *testing.T) {
	t.Parallel()
	copySurvivesCut(t, func(pair *sim.Pair) *sim.Host { return pair.Primary })
}

// TestHAPairReplicateSurvivesCutConnection runs the bundled playbook with
// minimize_downtime on a pair whose PostgreSQL copy takes a minute
// (profile 30): PostgreSQL is not replicated in-line, so
// cluster_replicate_postgres runs as a detached job on the Secondary, a
// peer of the task's host. The operator's connections to the Secondary
// are cut in the middle of the copy (see copySurvivesCut).
func TestHAPairReplicateSurvivesCutConnection(t *testing.T) {
	t.Parallel()
	copySurvivesCut(t, func(pair *sim.Pair) *sim.Host { return pair.Secondary }, "minimize_downtime=true")
}

// copySurvivesCut runs the bundled playbook, with the extra variables
// vars, on a pair whose PostgreSQL copy takes a minute (profile 30), and
// cuts the operator's connections to the host that copying picks, which
// runs the job that copies, in the middle of the copy: the job goes on
// and the run follows it again. Then the run stops watching (as when the
// operator interrupts it, or runbook is killed), and runbook run
// --resume re-attaches to the job on its host rather than start it
// again, showing the copy's progress again: the pair streams, each action
// ran once on its host, and no line of the job's log showed twice.
func copySurvivesCut(t *testing.T, copying func(*sim.Pair) *sim.Host, vars ...string) {
	pair := profilePair(t, "30-slow-copy.hcl")
	p, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: playbookVars(pair, vars...), Environ: []string{}})
	requireNoErrors(t, p, diags)
	state := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	first := &events{}
	watch, stopWatching := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		j, err := journal.Open(state, p.JournalKey())
		if err != nil {
			done <- err
			return
		}
		defer j.Close()
		_, _, err = runOnPair(watch, t, pair, p, engine.RunOptions{Journal: j, Subscribers: []engine.Subscriber{first}})
		done <- err
	}()
	first.waitLine(t, engine.EventOutput, "replicate", "Taking a base backup", 0, 3*time.Minute)
	first.waitLine(t, engine.EventProgress, "replicate", "copying PostgreSQL", 0, time.Minute)
	cut := copying(pair)
	if n, err := cut.CutConnections(); err != nil || n == 0 {
		t.Fatalf("cut the connections to the %s: %d cut, %v", cut.Name, n, err)
	}
	// The copy goes on, and the run with it.
	shown := len(slices.DeleteFunc(first.lines(engine.EventProgress, "replicate", ""), func(l string) bool { return !strings.Contains(l, "copying PostgreSQL") }))
	first.waitLine(t, engine.EventProgress, "replicate", "copying PostgreSQL", shown, time.Minute)
	select {
	case err := <-done:
		t.Fatalf("the first run ended at the cut, having polled the job meanwhile: %v", err)
	default:
	}
	stopWatching()
	if err := <-done; err == nil {
		t.Fatal("the first run ended without error although it stopped watching")
	}
	if s, err := pair.Secondary.State(ctx); err != nil || s.Conf.ReplicationMode != "slave" {
		t.Fatalf("the secondary's state after the cut: %+v, %v", s, err)
	}

	second := &events{}
	j, err := journal.Open(state, p.JournalKey())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if last, err := j.Last(); err != nil || last == nil {
		t.Fatalf("the first run's journal: %v, %v", last, err)
	} else if rec, _ := last.Record("replicate@primary"); !slices.ContainsFunc(rec.Jobs, func(m job.Mark) bool { return m.Host == cut.Name && m.End == "" }) {
		t.Errorf("the journal does not hold the job left running on the %s: %+v", cut.Name, rec.Jobs)
	}
	report, _, err := runOnPair(ctx, t, pair, p, engine.RunOptions{Journal: j, Resume: true, Subscribers: []engine.Subscriber{second}})
	if err != nil {
		t.Fatalf("run --resume: %v\n%s", err, summary(report))
	}
	if inst, _ := find(report, "replicate@primary"); inst.Status != engine.StatusChanged {
		t.Errorf("replicate@primary %s after --resume, want changed", inst.Status)
	}
	checkReplicating(t, pair)
	progress := second.lines(engine.EventProgress, "replicate", "")
	if !slices.ContainsFunc(progress, func(l string) bool {
		return strings.Contains(l, "re-attached to job") && strings.Contains(l, " on "+cut.Name+" ")
	}) {
		t.Errorf("the resumed run did not re-attach on the %s: %q", cut.Name, progress)
	}
	if !slices.ContainsFunc(progress, func(l string) bool { return strings.Contains(l, "copying PostgreSQL") }) {
		t.Errorf("the resumed run did not show the copy's progress: %q", progress)
	}
	for _, h := range []struct {
		host   *sim.Host
		action string
	}{{pair.Primary, "cluster_add_slaves"}, {pair.Secondary, "cluster_replicate_postgres"}} {
		if s, err := h.host.State(ctx); err != nil || s.Actions[h.action] != 1 {
			t.Errorf("%s ran %d times on the %s (%v), want once", h.action, s.Actions[h.action], h.host.Name, err)
		}
	}
	log := append(first.lines(engine.EventOutput, "replicate", engine.StreamJob), second.lines(engine.EventOutput, "replicate", engine.StreamJob)...)
	if !slices.ContainsFunc(log, func(l string) bool { return strings.Contains(l, "Taking a base backup") }) || !slices.ContainsFunc(log, func(l string) bool { return strings.Contains(l, "streaming standby of "+pair.Primary.Address) }) {
		t.Errorf("the job's log, across both runs, lacks its start or its end: %q", log)
	}
	for i, l := range log {
		if strings.TrimSpace(l) != "" && slices.Index(log, l) != i {
			t.Errorf("the job's log showed %q twice: %q", l, log)
		}
	}
}

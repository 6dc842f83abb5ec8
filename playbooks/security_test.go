package playbooks_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/internal/sim"
	"github.com/runbookhq/runbook/playbooks"
)

// lineOf returns the line of the bundled playbook that holds text, which
// must occur once.
func lineOf(t *testing.T, text string) int {
	t.Helper()
	src, err := fs.ReadFile(playbooks.FS, "ha-pair.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(src), text); n != 1 {
		t.Fatalf("ha-pair.hcl holds %q %d times, want once", text, n)
	}
	return strings.Count(string(src[:strings.Index(string(src), text)]), "\n") + 1
}

// errorAt returns the error diagnostic whose subject starts on line of
// ha-pair.hcl, or nil.
func errorAt(diags hcl.Diagnostics, line int) *hcl.Diagnostic {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Subject != nil && strings.HasSuffix(d.Subject.Filename, "ha-pair.hcl") && d.Subject.Start.Line == line {
			return d
		}
	}
	return nil
}

// TestBundledPlaybookChecksWaitsAtLoad gives the waits values that are no
// durations: loading the playbook fails at the argument that takes them,
// although other arguments of the same task are known only after the
// preflight has run, and although the task's timeout takes the same
// variable (and fails too, at its own line, naming the task and the
// value).
func TestBundledPlaybookChecksWaitsAtLoad(t *testing.T) {
	for _, tt := range []struct{ variable, value, attribute, task, argument string }{
		{"pg_wait", "5mins", "= var.pg_wait", "replicate", `"wait"`},
		{"pg_wait", "-5m", "= var.pg_wait", "replicate", `"wait"`},
		{"mongo_wait", "0s", "wait           = var.mongo_wait", "mongo_caught_up", `"wait"`},
		{"mongo_wait", "5mins", "wait           = var.mongo_wait", "mongo_caught_up", `"wait"`},
		{"mongo_wait", "5mins", "timeout        = var.mongo_wait", "mongo_caught_up", "timeout"},
	} {
		vars := []string{"primary=10.0.0.2", "secondary=10.0.0.3", tt.variable + "=" + tt.value}
		_, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: vars, Environ: []string{}})
		d := errorAt(diags, lineOf(t, tt.attribute))
		if d == nil {
			t.Errorf("%s=%s: no error at the argument %q; diagnostics: %v", tt.variable, tt.value, tt.attribute, diags)
			continue
		}
		for _, want := range []string{tt.task, tt.argument, tt.value, "duration"} {
			if !strings.Contains(d.Detail, want) {
				t.Errorf("%s=%s: the error does not mention %s: %s", tt.variable, tt.value, want, d.Detail)
			}
		}
	}
}

// TestBundledPlaybookRefusesOptionAddresses gives addresses that ssh,
// psql or ip on the hosts would read as options.
func TestBundledPlaybookRefusesOptionAddresses(t *testing.T) {
	for _, vars := range [][]string{
		{"primary=-oProxyCommand", "secondary=10.0.0.3"},
		{"primary=10.0.0.2", "secondary=-v"},
	} {
		_, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: vars, Environ: []string{}})
		if !diags.HasErrors() {
			t.Errorf("vars %q were accepted", vars)
			continue
		}
		for _, d := range diags {
			if d.Severity == hcl.DiagError && d.Subject == nil {
				t.Errorf("vars %q: an error without a place: %s: %s", vars, d.Summary, d.Detail)
			}
		}
	}
}

// TestHAPairBadWaitChangesNothing runs the playbook on a fresh pair with a
// wait that is no duration: the run is refused before it starts, and
// neither host changes.
func TestHAPairBadWaitChangesNothing(t *testing.T) {
	t.Parallel()
	pair := sim.StartPair(t, pairOf("4.7.2", sim.Faults{}))
	before := snapshot(t, pair)
	p, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: playbookVars(pair, "pg_wait=-5m"), Environ: []string{}})
	if d := errorAt(diags, lineOf(t, "= var.pg_wait")); d == nil {
		t.Errorf("no error at the wait of replicate: %v", diags)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if report, _, err := runOnPair(ctx, t, pair, p, engine.RunOptions{}); report != nil || err == nil {
		t.Errorf("the run started: %v\n%s", err, summary(report))
	}
	if after := snapshot(t, pair); after != before {
		t.Errorf("the hosts changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// errNoTerminal stands for the refusal of runbook run without --yes and
// without a terminal to ask on.
var errNoTerminal = errors.New("there is no terminal to ask on; pass --yes")

// TestHAPairAsksBeforeChanging runs the playbook on a fresh pair, whose
// secondary's data would be replaced, with nobody to answer: the run
// refuses before it changes anything. Answering yes then sets the pair up.
func TestHAPairAsksBeforeChanging(t *testing.T) {
	t.Parallel()
	pair := sim.StartPair(t, pairOf("4.7.2", sim.Faults{}))
	before := snapshot(t, pair)
	p, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: playbookVars(pair), Environ: []string{}})
	requireNoErrors(t, p, diags)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	refuse := func(context.Context, engine.InstanceInfo) (bool, error) { return false, errNoTerminal }
	report, asked, err := runOnPair(ctx, t, pair, p, engine.RunOptions{Confirm: refuse})
	if !errors.Is(err, engine.ErrConfirmationRefused) {
		t.Fatalf("run with nobody to answer: %v, want a refused confirmation\n%s", err, summary(report))
	}
	if len(asked) != 1 {
		t.Errorf("the run asked %v, want one question", asked)
	}
	for _, inst := range report.Instances {
		if inst.Status == engine.StatusChanged {
			t.Errorf("%s changed its host before the question was answered", inst.ID())
		}
	}
	if after := snapshot(t, pair); after != before {
		t.Errorf("the hosts changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	report, asked, err = runOnPair(ctx, t, pair, p, engine.RunOptions{})
	if err != nil {
		t.Fatalf("run answered yes: %v\n%s", err, summary(report))
	}
	if len(asked) != 1 {
		t.Errorf("the run answered yes asked %v, want one question", asked)
	}
	checkReplicating(t, pair)
}

// TestHAPairResumesReadOnlySteps sets a pair up with a journal, then, for
// each step that only reads or guards what it changes, records that step
// cut off mid-way (what follows it not yet run) and resumes: the resume
// runs the step again instead of refusing, and the pair still replicates.
func TestHAPairResumesReadOnlySteps(t *testing.T) {
	t.Parallel()
	pair := sim.StartPair(t, pairOf("4.7.2", sim.Faults{}))
	p, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: playbookVars(pair), Environ: []string{}})
	requireNoErrors(t, p, diags)
	state := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if report, _, err := runWithJournal(ctx, t, pair, p, state, false); err != nil {
		t.Fatalf("first run: %v\n%s", err, summary(report))
	}
	for _, cut := range []string{"mongo_caught_up@primary", "cluster_hosts@primary", "master_mode@primary", "keys@primary", "secondary_disks@secondary", "facts@secondary"} {
		cutOff(t, p, state, cut)
		report, _, err := runWithJournal(ctx, t, pair, p, state, true)
		if err != nil {
			t.Fatalf("resume after %s was cut off: %v\n%s", cut, err, summary(report))
		}
		if inst, ok := find(report, cut); !ok || inst.Restored || inst.Status != engine.StatusOK {
			t.Errorf("resume after %s was cut off: it is %s, restored %v; want run again, ok", cut, inst.Status, inst.Restored)
		}
	}
	checkReplicating(t, pair)
}

// runWithJournal runs p on pair with the journal in state, resuming the
// run it holds when resume is set.
func runWithJournal(ctx context.Context, t *testing.T, pair *sim.Pair, p *engine.Playbook, state string, resume bool) (*engine.Report, []string, error) {
	t.Helper()
	j, err := journal.Open(state, p.JournalKey())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	return runOnPair(ctx, t, pair, p, engine.RunOptions{Journal: j, Resume: resume})
}

// cutOff rewrites the last run in the journal of p in state as a run
// interrupted while the instance id ran: its record keeps what the module
// said of itself when it started, but no end, and the instances that
// depend on it never started.
func cutOff(t *testing.T, p *engine.Playbook, state, id string) {
	t.Helper()
	after := map[string]bool{id: true}
	for grew := true; grew; {
		grew = false
		for _, inst := range p.Instances() {
			if !after[inst.ID()] && slices.ContainsFunc(inst.DependsOn, func(d string) bool { return after[d] }) {
				after[inst.ID()], grew = true, true
			}
		}
	}
	j, err := journal.Open(state, p.JournalKey())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	last, err := j.Last()
	if err != nil || last == nil {
		t.Fatalf("last run: %v, %v", last, err)
	}
	run := *last
	run.Records = nil
	found := false
	for _, rec := range last.Records {
		switch {
		case rec.ID() == id:
			found = true
			rec.Status, rec.Finished, rec.Outputs, rec.Error = "", time.Time{}, nil, ""
		case after[rec.ID()]:
			continue
		}
		run.Records = append(run.Records, rec)
	}
	if !found {
		t.Fatalf("the journal %s has no record of %s", j.Path(), id)
	}
	if err := j.Begin(run); err != nil {
		t.Fatal(err)
	}
	if err := j.End(journal.StateInterrupted); err != nil {
		t.Fatal(err)
	}
}

// TestShellInjectionRunsNothing runs alation_shell tasks whose get, value,
// values and set carry a newline and a command, known only once another
// task has run: each fails naming its task and argument, and no command
// runs on the host.
func TestShellInjectionRunsNothing(t *testing.T) {
	t.Parallel()
	pair := sim.StartPair(t, pairOf("4.7.2", sim.Faults{}))
	mark := fmt.Sprintf("/tmp/runbook-injected-%d", time.Now().UnixNano())
	// later is empty, known only once facts has run.
	const later = `${substr(task.facts.on.primary.version, 0, 0)}`
	payload := func(name string) string { return `x\ntouch ` + mark + "-" + name + `\n` + later + "y" }
	src := fmt.Sprintf(`
variable "primary" {
  type = string
}
host "primary" {
  address       = var.primary
  port          = %d
  user          = %q
  identity_file = %q
}
task "alation_facts" "facts" {
  on = [host.primary]
}
task "alation_shell" "get" {
  on  = [host.primary]
  get = "%s"
}
task "alation_shell" "value" {
  on    = [host.primary]
  key   = "alation.cluster.hosts"
  value = "%s"
}
task "alation_shell" "values" {
  on     = [host.primary]
  key    = "alation.cluster.hosts"
  values = ["%s"]
}
task "alation_shell" "set" {
  on  = [host.primary]
  set = { key = "alation.cluster.hosts", value = "%s" }
}
`, pair.Primary.SSHPort, pair.User, pair.KeyPath, payload("get"), payload("value"), payload("values"), payload("set"))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "inject.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, diags := engine.Load(dir, engine.LoadOptions{Vars: []string{"primary=" + pair.Primary.Address}, Environ: []string{}})
	requireNoErrors(t, p, diags)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	report, _, err := runOnPair(ctx, t, pair, p, engine.RunOptions{})
	if !errors.Is(err, engine.ErrTaskFailed) {
		t.Errorf("run: %v, want failed tasks\n%s", err, summary(report))
	}
	for _, arg := range []string{"get", "value", "values", "set"} {
		inst, ok := find(report, arg+"@primary")
		if !ok || inst.Status != engine.StatusFailed {
			t.Errorf("%s@primary is %s, want failed", arg, inst.Status)
			continue
		}
		for _, want := range []string{"task " + arg + " on host primary", `argument "` + arg + `"`, "control character"} {
			if !strings.Contains(inst.Err.Error(), want) {
				t.Errorf("the error of %s@primary does not say %s: %v", arg, want, inst.Err)
			}
		}
	}
	out, err := pair.Primary.Exec(ctx, "ls -d "+mark+"* 2>/dev/null; true")
	if err != nil || out != "" {
		t.Errorf("the injected commands ran on the primary: %q, %v", out, err)
	}
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/internal/loadtest"
)

// errHalfway is what the partial module fails with.
var errHalfway = errors.New("failed halfway")

// partialModule changes something on its first attempt and fails its
// first Failures attempts, reporting the attempt number each time; a
// Permanent one marks its error so.
type partialModule struct {
	Key       string `hcl:"key"`
	Failures  int    `hcl:"failures"`
	Permanent bool   `hcl:"permanent,optional"`
}

type partialOutputs struct {
	Attempt int `cty:"attempt"`
}

func (m *partialModule) Run(context.Context, *Env) (Result, error) {
	n := nextAttempt(m.Key)
	res := Result{Changed: n == 1, Outputs: partialOutputs{Attempt: n}}
	if n > m.Failures {
		return res, nil
	}
	err := fmt.Errorf("attempt %d: %w", n, errHalfway)
	if m.Permanent {
		err = Permanent(err)
	}
	return res, err
}

func init() {
	RegisterModule(ModuleInfo{Name: "partial", Doc: "Changes, then fails.", New: func() Module { return &partialModule{} }, Outputs: partialOutputs{}})
}

func TestFailedRunKeepsChangeAndOutputs(t *testing.T) {
	p := mustLoad(t, `
task "partial" "half" {
  key      = "half"
  failures = 1
}
`, LoadOptions{})
	var rec recorder
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Subscribers: []Subscriber{&rec}})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("run: %v", err)
	}
	res := resultOf(t, rep, "half@local")
	if res.Status != StatusFailed || !res.Changed || fmt.Sprint(res.Outputs) != "map[attempt:1]" || !strings.Contains(fmt.Sprint(res.Err), "attempt 1: failed halfway") {
		t.Errorf("result: status %s, changed %v, outputs %v, err %v; want failed, changed, attempt 1", res.Status, res.Changed, res.Outputs, res.Err)
	}
	for _, e := range rec.all() {
		if e.Kind == EventTaskFinished && (!e.Changed || fmt.Sprint(e.Outputs) != "map[attempt:1]") {
			t.Errorf("task_finished: changed %v, outputs %v", e.Changed, e.Outputs)
		}
	}
}

func TestRetriedRunReportsEarlierChange(t *testing.T) {
	p := mustLoad(t, `
task "partial" "again" {
  key      = "again"
  failures = 1
  retries  = 1
  delay    = "0s"
}
`, LoadOptions{})
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	// The second attempt changes nothing itself; the first did.
	if res := resultOf(t, rep, "again@local"); res.Status != StatusChanged || !res.Changed || res.Attempts != 2 {
		t.Errorf("result: status %s, changed %v, attempts %d; want changed after 2", res.Status, res.Changed, res.Attempts)
	}
}

func TestPermanentErrorIsNotRetried(t *testing.T) {
	p := mustLoad(t, `
task "partial" "refused" {
  key       = "refused"
  failures  = 5
  permanent = true
  retries   = 3
  delay     = "0s"
}
`, LoadOptions{})
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("run: %v", err)
	}
	res := resultOf(t, rep, "refused@local")
	if res.Attempts != 1 || !strings.Contains(fmt.Sprint(res.Err), "attempt 1: failed halfway") {
		t.Errorf("result: attempts %d, err %v; want one attempt failing halfway", res.Attempts, res.Err)
	}
	if perm := Permanent(errHalfway); !errors.Is(perm, errHalfway) || perm.Error() != errHalfway.Error() {
		t.Errorf("Permanent(err) = %v, want an error that is err and says so", perm)
	}
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
}

func TestChangedWhen(t *testing.T) {
	p := mustLoad(t, `
task "echo" "reads" {
  message      = "x"
  changed      = true
  changed_when = false
}
task "echo" "writes" {
  message      = "wrote"
  changed_when = result.message == "wrote"
}
task "partial" "first_change_counts" {
  key          = "changed_when"
  failures     = 0
  changed_when = result.attempt == 1
}
`, LoadOptions{})
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for id, want := range map[string]Status{"reads@local": StatusOK, "writes@local": StatusChanged, "first_change_counts@local": StatusChanged} {
		if got := resultOf(t, rep, id).Status; got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	_, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": `
task "echo" "a" {
  message = "x"
  when    = result.message != ""
}
`}), LoadOptions{})
	if got := loadtest.Flat(diagText(nil, diags)); !strings.Contains(got, "it exists only in failed_when, changed_when and until") {
		t.Errorf("result in when: %s", got)
	}
}

package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
)

// uniqueKey returns a key no other test run shares, for the module state
// (counters, barriers) that is global to the test binary.
func uniqueKey(t testing.TB) string {
	keySeq.Add(1)
	return fmt.Sprintf("%s-%d", t.Name(), keySeq.Load())
}

var keySeq atomic.Int64

// closeCounter wraps a transport and counts its Close calls.
type closeCounter struct {
	transport.Host
	closes *atomic.Int32
}

func (c closeCounter) Close() error {
	c.closes.Add(1)
	return c.Host.Close()
}

// bigPlaybook returns a playbook of more than 30 tasks over four hosts
// and the local host: a diamond, a fan-out over a group, cross-host
// references, retries, until, a when-skipped task, two tasks that must
// overlap, and a chain of chainLen steps.
func bigPlaybook(chainLen int) string {
	var b strings.Builder
	b.WriteString(`
variable "run" {
  type = string
}
variable "release" {
  type    = string
  default = "v1"
}
locals {
  tag = "rel-${var.release}"
}
host "web1" {
  address = "127.0.0.2"
  groups  = ["web"]
  vars    = { role = "front" }
}
host "web2" {
  address = "127.0.0.3"
  groups  = ["web"]
  vars    = { role = "front" }
}
host "db" {
  address = "127.0.0.4"
  groups  = ["backend"]
  vars    = { role = "primary" }
}
host "cache" {
  address = "127.0.0.5"
  groups  = ["backend"]
  vars    = { role = "cache" }
}

task "echo" "top" {
  message = local.tag
}
task "echo" "left" {
  message = "${task.top.message}-L"
}
task "echo" "right" {
  message = "${task.top.message}-R"
}
task "echo" "bottom" {
  message = "${task.left.message}+${task.right.message}"
}

task "echo" "prepare" {
  on      = group.all
  message = "prep ${self.name} ${self.vars.role}"
}
task "echo" "configure" {
  on      = group.web
  message = "${task.prepare.message} after ${task.prepare.on.db.message}"
}
task "flaky" "migrate" {
  on         = host.db
  key        = "${var.run}-migrate"
  failures   = 2
  retries    = 3
  delay      = "0s"
  depends_on = [task.prepare.on.db]
}
task "flaky" "warm" {
  on      = "cache"
  key     = "${var.run}-warm"
  retries = 5
  delay   = "0s"
  until   = result.attempt >= 3
}
task "rendezvous" "meet_a" {
  key     = "${var.run}-meet"
  parties = 2
}
task "rendezvous" "meet_b" {
  on      = host.db
  key     = "${var.run}-meet"
  parties = 2
}
task "echo" "skipped" {
  message = "never"
  when    = var.release == "v0"
}
task "echo" "after_skip" {
  message = coalesce(task.skipped.message, "default")
}
task "echo" "gather" {
  on      = group.web
  message = "${self.name} sees ${task.warm.on.cache.attempt} and ${task.migrate.on.db.attempt}"
}
`)
	for i := range chainLen {
		prev := `"s"`
		if i > 0 {
			prev = fmt.Sprintf(`"${task.step%02d.message}-%d"`, i-1, i)
		}
		fmt.Fprintf(&b, "task \"echo\" \"step%02d\" {\n  on      = host.web1\n  message = %s\n}\n", i, prev)
	}
	fmt.Fprintf(&b, `
task "echo" "summary" {
  message = join(" | ", concat([task.bottom.message, task.after_skip.message, task.step%02d.on.web1.message],
    [for h in ["web1", "web2"] : task.configure.on[h].message]))
}
`, chainLen-1)
	return b.String()
}

func TestRunBigPlaybook(t *testing.T) {
	const chainLen = 20
	p := mustLoad(t, bigPlaybook(chainLen), LoadOptions{Vars: []string{"run=" + uniqueKey(t)}})
	tasks := map[string]bool{}
	for _, inst := range p.Instances() {
		tasks[inst.Task] = true
	}
	if n := len(tasks); n < 30 {
		t.Fatalf("only %d tasks", n)
	}
	var mu sync.Mutex
	closes := map[string]*atomic.Int32{}
	connect := func(h HostConfig) (transport.Host, error) {
		mu.Lock()
		defer mu.Unlock()
		if closes[h.Name] != nil {
			t.Errorf("host %s connected twice", h.Name)
		}
		closes[h.Name] = &atomic.Int32{}
		return closeCounter{transport.NewLocal(), closes[h.Name]}, nil
	}
	rec := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a guard against a hang, not an assertion
	defer cancel()
	rep, err := Run(ctx, p, RunOptions{Connect: connect, Subscribers: []Subscriber{rec}, PerHost: 4})
	if err != nil {
		t.Fatalf("run: %v", err)
	}

	wantOut := map[string]any{
		"bottom@local":      "rel-v1-L+rel-v1-R",
		"configure@web1":    "prep web1 front after prep db primary",
		"configure@web2":    "prep web2 front after prep db primary",
		"after_skip@local":  "default",
		"gather@web2":       "web2 sees 3 and 3",
		"step19@web1":       "s-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16-17-18-19",
		"summary@local":     "rel-v1-L+rel-v1-R | default | s-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16-17-18-19 | prep web1 front after prep db primary | prep web2 front after prep db primary",
		"prepare@cache":     "prep cache cache",
		"migrate@db/att":    int64(3),
		"warm@cache/att":    int64(3),
		"skipped@local/nil": nil,
	}
	for id, want := range wantOut {
		inst, field, _ := strings.Cut(id, "/")
		res := resultOf(t, rep, inst)
		switch field {
		case "":
			if got := res.Outputs["message"]; got != want {
				t.Errorf("%s: message = %q, want %q", inst, got, want)
			}
		case "att":
			if got := res.Outputs["attempt"]; got != want || res.Attempts != 3 {
				t.Errorf("%s: attempt output %v after %d attempts, want %v after 3", inst, got, res.Attempts, want)
			}
		case "nil":
			if res.Status != StatusSkipped || res.Outputs != nil || res.Err != nil {
				t.Errorf("%s: %s %v %v, want skipped without outputs or error", inst, res.Status, res.Outputs, res.Err)
			}
		}
	}
	for _, res := range rep.Instances {
		if res.Status != StatusOK && res.ID() != "skipped@local" && res.Status != StatusChanged {
			t.Errorf("%s ended %s: %v", res.ID(), res.Status, res.Err)
		}
	}
	if got := resultOf(t, rep, "migrate@db").Status; got != StatusChanged {
		t.Errorf("migrate status %s, want changed", got)
	}

	events := rec.all()
	checkEventOrder(t, p, events)
	started, finished := eventSeqs(events)
	if !(started["meet_a@local"] < finished["meet_b@db"] && started["meet_b@db"] < finished["meet_a@local"]) {
		t.Error("meet_a and meet_b did not overlap")
	}
	retries := 0
	for _, e := range events {
		if e.Kind == EventRetry {
			retries++
		}
	}
	if retries != 4 { // two failures of migrate, two false untils of warm
		t.Errorf("%d retry events, want 4", retries)
	}
	if last := events[len(events)-1]; last.Kind != EventRunFinished {
		t.Errorf("last event is %s", last.Kind)
	}
	for name, c := range closes {
		if c.Load() != 1 {
			t.Errorf("host %s closed %d times", name, c.Load())
		}
	}
	if len(closes) != 4 {
		t.Errorf("%d hosts connected, want 4", len(closes))
	}
}

// eventSeqs returns the sequence numbers of the task_started and
// task_finished events of each instance.
func eventSeqs(events []Event) (started, finished map[string]uint64) {
	started, finished = map[string]uint64{}, map[string]uint64{}
	for _, e := range events {
		switch e.Kind {
		case EventTaskStarted:
			started[e.Task+"@"+e.Host] = e.Seq
		case EventTaskFinished:
			finished[e.Task+"@"+e.Host] = e.Seq
		}
	}
	return started, finished
}

// checkEventOrder checks that events are numbered in order and that every
// instance started only after each instance it depends on had finished.
func checkEventOrder(t *testing.T, p *Playbook, events []Event) {
	t.Helper()
	for i, e := range events {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
	started, finished := eventSeqs(events)
	for _, inst := range p.Instances() {
		begin, ok := started[inst.ID()]
		if !ok {
			begin = finished[inst.ID()]
		}
		if begin == 0 {
			t.Errorf("%s: no event", inst.ID())
		}
		for _, dep := range inst.DependsOn {
			if finished[dep] == 0 || finished[dep] > begin {
				t.Errorf("%s began (event %d) before %s finished (event %d)", inst.ID(), begin, dep, finished[dep])
			}
		}
	}
}

package engine

import (
	"context"
	"fmt"
	"github.com/runbookhq/runbook/engine/journal"
	"slices"
	"strings"
	"testing"
)

const forEachPlaybook = `
variable "users" {
  type    = map(string)
  default = { alice = "admin", bob = "dev" }
}
host "web" {}
host "db" {}
task "echo" "user" {
  on       = [host.web, host.db]
  for_each = var.users
  message  = "${each.key} is ${each.value} on ${self.name}"
}
task "echo" "dirs" {
  on       = host.web
  for_each = toset(["a", "b"])
  message  = task.user[each.key == "a" ? "alice" : "bob"].message
}
task "echo" "alice" {
  on      = host.db
  message = "${task.user["alice"].message} / ${task.user.on.web["bob"].message}"
}
task "echo" "handler" {
  on        = host.web
  message   = "h"
  on_change = [task.user]
}
`

func TestForEach(t *testing.T) {
	p := mustLoad(t, forEachPlaybook, LoadOptions{})
	var ids []string
	for _, inst := range p.Instances() {
		ids = append(ids, inst.ID())
	}
	want := []string{"alice@db", "dirs@web[a]", "dirs@web[b]", "handler@web", "user@db[alice]", "user@db[bob]", "user@web[alice]", "user@web[bob]"}
	if !slices.Equal(ids, want) {
		t.Errorf("instances %v, want %v", ids, want)
	}
	var rec recorder
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Subscribers: []Subscriber{&rec}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for id, msg := range map[string]string{
		"user@web[bob]": "bob is dev on web",
		"dirs@web[a]":   "alice is admin on web",
		"dirs@web[b]":   "bob is dev on web",
		"alice@db":      "alice is admin on db / bob is dev on web",
	} {
		if got := resultOf(t, rep, id).Outputs["message"]; got != msg {
			t.Errorf("%s: message %q, want %q", id, got, msg)
		}
	}
	if r := resultOf(t, rep, "handler@web"); r.Reason != ReasonNothingChanged || !slices.Equal(r.OnChange, []string{"user@web[alice]", "user@web[bob]"}) {
		t.Errorf("handler@web: %s, reason %q, on change of %v", r.Status, r.Reason, r.OnChange)
	}
	if !slices.ContainsFunc(rec.all(), func(e Event) bool {
		return e.Kind == EventTaskFinished && e.Task == "user" && e.Host == "db" && e.Key == "bob"
	}) {
		t.Error("no task_finished event of user@db[bob] with its key")
	}
	plan, diags := p.Plan()
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	i := slices.IndexFunc(plan.Instances, func(pi PlannedInstance) bool { return pi.ID() == "user@db[alice]" })
	if i < 0 || plan.Instances[i].Args["message"] != `"alice is admin on db"` {
		t.Errorf("plan of user@db[alice]: %+v", plan.Instances[max(i, 0)])
	}
	var dot strings.Builder
	if err := p.WriteDOT(&dot, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dot.String(), `"user@web[bob]" [label="user[bob]\necho on web"]`) {
		t.Errorf("graph:\n%s", dot.String())
	}
}

func TestForEachResume(t *testing.T) {
	key := uniqueKey(t)
	p := mustLoad(t, `
task "flaky" "item" {
  for_each = { a = 0, b = 1 }
  key      = "`+key+`-${each.key}"
  failures = each.value
}
task "step" "after" {
  key   = "`+key+`-after"
  input = "${task.item["a"].attempt}/${task.item["b"].attempt}"
}
`, LoadOptions{})
	state := t.TempDir()
	if _, _, err := journalRun(t, context.Background(), p, state, RunOptions{}); err == nil {
		t.Fatal("first run succeeded; want item@local[b] to fail")
	}
	if rec := lastRun(t, p, state).Records; !slices.ContainsFunc(rec, func(r journal.Record) bool { return r.ID() == "item@local[b]" && r.Key == "b" }) {
		t.Errorf("journal records %v; want item@local[b]", rec)
	}
	rep, _, err := journalRun(t, context.Background(), p, state, RunOptions{Resume: true, Rerun: []string{"item@local[a]"}})
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	a, b := resultOf(t, rep, "item@local[a]"), resultOf(t, rep, "item@local[b]")
	if a.Restored || b.Restored || b.Attempts != 1 || a.Key != "a" {
		t.Errorf("item[a]: restored %v; item[b]: restored %v, attempts %d; want both run again", a.Restored, b.Restored, b.Attempts)
	}
	if got := resultOf(t, rep, "after@local").Outputs["value"]; !strings.HasPrefix(fmt.Sprint(got), "2/2#") {
		t.Errorf("after read %v, want the second attempts of both items", got)
	}
	if _, _, err := journalRun(t, context.Background(), p, state, RunOptions{Resume: true, Rerun: []string{"item@local[c]"}}); err == nil || !strings.Contains(err.Error(), `no instance with key "c"`) {
		t.Errorf("rerun of a missing key: %v", err)
	}
}

// TestForEachErrorsNameKey checks that the errors of instances of a task
// with for_each name the key beside the task: "task user[alice] on host
// web", in run errors and in the errors of a resume refused, and that a
// step of RunOptions.Rerun with a key that is not there lists those that
// are.
func TestForEachErrorsNameKey(t *testing.T) {
	p := mustLoad(t, `
host "web" {}
task "shell" "user" {
  on       = host.web
  for_each = toset(["alice", "bob"])
  script   = each.key == "alice" ? "exit 3" : "true"
}
task "shell" "home" {
  on       = host.web
  for_each = toset(["alice", "bob"])
  script   = "echo ${task.user[each.key].stdout}"
}
task "shell" "plain" {
  on     = host.web
  script = "true"
}
`, LoadOptions{})
	rep, _ := Run(context.Background(), p, RunOptions{Connect: localConnect})
	for id, want := range map[string]string{
		"user@web[alice]": "task user[alice] on host web: ",
		"home@web[alice]": "task home[alice] on host web: not run: it needs task user[alice] on host web, which failed",
	} {
		if err := resultOf(t, rep, id).Err; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error %v, want it to start %q", id, err, want)
		}
	}
	for step, want := range map[string]string{
		"user@web[carol]": `rerun: task user has no instance with key "carol" on host web; its keys there are "alice" and "bob".`,
		"user@web[alcie]": `its keys there are "alice" and "bob". Did you mean "alice"?`,
		"plain@web[x]":    "rerun: task plain has no for_each, so its instances have no keys: name this one plain@web",
	} {
		if _, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Resume: true, Rerun: []string{step}}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--force-rerun %s: %v, want %q", step, err, want)
		}
	}
	key := InstanceInfo{Task: "user", Host: "web", Key: "alice"}
	unsafe := &UnsafeResumeError{Instances: []UnsafeInstance{{InstanceInfo: key, Reason: "was cut off"}}}
	left := &JobsLeftError{Instances: []JobsLeft{{Task: "user", Host: "web", Key: "alice", Jobs: []DetachedJob{{ID: "j1"}}}}}
	for _, err := range []error{unsafe, left} {
		if !strings.Contains(err.Error(), "task user[alice] on host web ") {
			t.Errorf("%T does not name the key: %v", err, err)
		}
	}
}

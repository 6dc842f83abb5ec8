package engine

import (
	"context"
	"strings"
	"testing"
)

func TestTags(t *testing.T) {
	p := mustLoad(t, `
variable "extra" {
  default = "slow"
}
task "echo" "schema" {
  message = "schema"
  tags    = ["db"]
}
task "echo" "config" {
  message = "${task.schema.message} config"
  tags    = ["config"]
}
task "echo" "restart" {
  message = "restart"
  tags    = ["config", var.extra]
}
task "echo" "other" {
  message = "other"
}
`, LoadOptions{})
	for _, c := range []struct {
		tags, skip []string
		run        []string
	}{
		{[]string{"config"}, nil, []string{"schema", "config", "restart"}},
		{nil, []string{"slow"}, []string{"schema", "config", "other"}},
		{[]string{"config"}, []string{"slow", "db"}, []string{"schema", "config"}},
		{[]string{"db"}, nil, []string{"schema"}},
	} {
		var rec recorder
		rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Tags: c.tags, SkipTags: c.skip, Subscribers: []Subscriber{&rec}})
		if err != nil {
			t.Fatalf("tags %v, skip %v: %v", c.tags, c.skip, err)
		}
		for _, res := range rep.Instances {
			ran := strings.Contains(" "+strings.Join(c.run, " ")+" ", " "+res.Task+" ")
			if ran && res.Status != StatusOK || !ran && (res.Status != StatusSkipped || res.Reason != ReasonNotSelected) {
				t.Errorf("tags %v, skip %v: %s ended %s (reason %q)", c.tags, c.skip, res.ID(), res.Status, res.Reason)
			}
		}
		ids, err := p.SelectTags(c.tags, c.skip)
		if err != nil || len(ids) != len(c.run) {
			t.Errorf("SelectTags(%v, %v) = %v, %v; want %v", c.tags, c.skip, ids, err, c.run)
		}
	}
	if _, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Tags: []string{"confg"}}); err == nil || !strings.Contains(err.Error(), `no task has the tag "confg". Did you mean "config"?`) {
		t.Errorf("an unknown tag: %v", err)
	}
	if _, err := Run(context.Background(), p, RunOptions{Connect: localConnect, SkipTags: []string{"nginx"}}); err == nil || !strings.Contains(err.Error(), `skip-tags: no task has the tag "nginx". The tags are "config", "db" and "slow".`) {
		t.Errorf("an unknown tag like none of the tags: %v", err)
	}
}

func TestThrottle(t *testing.T) {
	p := mustLoad(t, `
host "a" {}
host "b" {}
host "c" {}
host "d" {}
task "shell" "slow" {
  on       = [host.a, host.b, host.c, host.d]
  script   = "sleep 0.05"
  throttle = 2
}
`, LoadOptions{})
	var rec recorder
	if _, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Subscribers: []Subscriber{&rec}}); err != nil {
		t.Fatal(err)
	}
	running, most := 0, 0
	for _, e := range rec.all() {
		switch e.Kind {
		case EventTaskStarted:
			running++
			most = max(most, running)
		case EventTaskFinished:
			running--
		}
	}
	if most != 2 {
		t.Errorf("at most %d instances ran at once, want 2", most)
	}
}

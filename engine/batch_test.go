package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sixHosts declares the hosts h1 to h6.
const sixHosts = `
host "h1" {}
host "h2" {}
host "h3" {}
host "h4" {}
host "h5" {}
host "h6" {}
`

// batchOrder returns, from events, the index in events of the first
// task_started event and of the last task_finished event of each host's
// instances, for the instances of tasks whose name starts with prefix.
func batchOrder(events []Event, prefix string) (started, finished map[string]int) {
	started, finished = map[string]int{}, map[string]int{}
	for i, e := range events {
		if !strings.HasPrefix(e.Task, prefix) {
			continue
		}
		switch e.Kind {
		case EventTaskStarted:
			if _, ok := started[e.Host]; !ok {
				started[e.Host] = i
			}
		case EventTaskFinished:
			finished[e.Host] = i
		}
	}
	return started, finished
}

// TestRoleBatches runs a role over six hosts two at a time: each batch
// goes through all the role's tasks before the next starts, and once a
// host fails, the later batches do not start and are reported so.
func TestRoleBatches(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"site.hcl": sixHosts + `
role "app" {
  source = "./roles/rolling"
  on     = [host.h1, host.h2, host.h3, host.h4, host.h5, host.h6]
  batch  = 2
}
task "echo" "after" {
  on      = host.h6
  message = role.app.started
}
`,
		"roles/rolling/main.hcl": `
task "echo" "stop" {
  message = "stop ${self.name}"
}
task "fail" "upgrade" {
  message    = "upgrade failed on ${self.name}"
  when       = self.name == "h3"
  depends_on = [task.stop]
}
task "echo" "start" {
  message    = "start ${self.name}"
  depends_on = [task.upgrade]
}
output "started" {
  value = task.start.message
}
`,
	})
	p, diags := Load(filepath.Join(dir, "site.hcl"), LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	rep, events, err := journalRun(t, context.Background(), p, t.TempDir(), RunOptions{Connect: localConnect})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("run: %v", err)
	}
	started, finished := batchOrder(events, "role.app.")
	for _, pair := range [][2]string{{"h1", "h3"}, {"h2", "h3"}, {"h1", "h4"}, {"h2", "h4"}} {
		if started[pair[1]] < finished[pair[0]] {
			t.Errorf("%s started before %s ended: events %d and %d", pair[1], pair[0], started[pair[1]], finished[pair[0]])
		}
	}
	for _, host := range []string{"h5", "h6"} {
		if _, ok := started[host]; ok {
			t.Errorf("the batch of %s started after h3 failed", host)
		}
		for _, task := range []string{"stop", "upgrade", "start"} {
			id := "role.app.task." + task + "@" + host
			if res := resultOf(t, rep, id); res.Status != StatusSkipped || res.Reason != ReasonBatchStopped {
				t.Errorf("%s: %s, reason %q", id, res.Status, res.Reason)
			}
		}
	}
	if res := resultOf(t, rep, "role.app.task.start@h4"); res.Status != StatusOK {
		t.Errorf("start@h4, in the batch where h3 failed: %s", res.Status)
	}
	if res := resultOf(t, rep, "after@h6"); res.Status != StatusSkipped || res.Err == nil || !strings.Contains(res.Err.Error(), "which did not run") {
		t.Errorf("after@h6: %s, %v", res.Status, res.Err)
	}
	plan, diags := p.Plan()
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	i := slices.IndexFunc(plan.Instances, func(pi PlannedInstance) bool { return pi.ID() == "role.app.task.stop@h5" })
	if pi := plan.Instances[i]; pi.Batch != "role.app" || pi.BatchIndex != 3 || pi.Batches != 3 || pi.MaxFailures != 0 {
		t.Errorf("plan of stop@h5: batch %q %d of %d, max_failures %d", pi.Batch, pi.BatchIndex, pi.Batches, pi.MaxFailures)
	}
}

// TestTaskBatches runs one task over six hosts in batches of half of them,
// with max_failures: the second batch starts after one failure and not
// after two.
func TestTaskBatches(t *testing.T) {
	for _, c := range []struct {
		failOn string
		ran    bool
	}{{`["h1"]`, true}, {`["h1", "h2"]`, false}} {
		p := mustLoad(t, sixHosts+fmt.Sprintf(`
task "fail" "roll" {
  on           = [host.h1, host.h2, host.h3, host.h4, host.h5, host.h6]
  message      = "roll"
  when         = contains(%s, self.name)
  batch        = "50%%"
  max_failures = 1
}
`, c.failOn), LoadOptions{})
		rep, _ := Run(context.Background(), p, RunOptions{Connect: localConnect})
		for _, host := range []string{"h4", "h5", "h6"} {
			res := resultOf(t, rep, "roll@"+host)
			if stopped := res.Reason == ReasonBatchStopped; stopped == c.ran {
				t.Errorf("failures on %s: roll@%s %s, reason %q", c.failOn, host, res.Status, res.Reason)
			}
		}
	}
}

// TestBatchSkippedAtOnceStillWaits runs a task one host at a time where
// the second host's instance is skipped at once, by a failure before the
// task, while the first host's still runs: the third host's starts only
// once the first host's has ended, as if the second batch had run.
func TestBatchSkippedAtOnceStillWaits(t *testing.T) {
	p := mustLoad(t, `
host "h1" {}
host "h2" {}
host "h3" {}
task "shell" "pre" {
  on  = [host.h1, host.h2, host.h3]
  script = self.name == "h2" ? "false" : "true"
}
task "shell" "roll" {
  on         = [host.h1, host.h2, host.h3]
  script     = self.name == "h1" ? "sleep 1" : "true"
  batch      = 1
  depends_on = [task.pre]
}
`, LoadOptions{})
	rep, events, err := journalRun(t, context.Background(), p, t.TempDir(), RunOptions{Connect: localConnect})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("run: %v", err)
	}
	if res := resultOf(t, rep, "roll@h2"); res.Status != StatusSkipped {
		t.Fatalf("roll@h2: %s", res.Status)
	}
	if res := resultOf(t, rep, "roll@h3"); res.Status != StatusChanged {
		t.Fatalf("roll@h3: %s, %v", res.Status, res.Err)
	}
	started, finished := batchOrder(events, "roll")
	if started["h3"] < finished["h1"] {
		t.Errorf("roll@h3 started (event %d) before roll@h1 ended (event %d)", started["h3"], finished["h1"])
	}
}

// TestBatchesResume resumes a run whose third batch did not start after a
// failure in the second: the first batches are restored, the failed host
// runs again, and the third batch runs once the second has ended.
func TestBatchesResume(t *testing.T) {
	key := uniqueKey(t)
	p := mustLoad(t, sixHosts+fmt.Sprintf(`
task "flaky" "gate" {
  on       = [host.h1, host.h2, host.h3, host.h4, host.h5, host.h6]
  key      = "%s-${self.name}"
  failures = self.name == "h3" ? 1 : 0
  batch    = 2
}
`, key), LoadOptions{})
	state := t.TempDir()
	rep, _, err := journalRun(t, context.Background(), p, state, RunOptions{Connect: localConnect})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("first run: %v", err)
	}
	if res := resultOf(t, rep, "gate@h5"); res.Reason != ReasonBatchStopped {
		t.Fatalf("gate@h5 in the first run: %s, reason %q", res.Status, res.Reason)
	}
	rep, events, err := journalRun(t, context.Background(), p, state, RunOptions{Connect: localConnect, Resume: true})
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	for _, host := range []string{"h1", "h2", "h4"} {
		if res := resultOf(t, rep, "gate@"+host); !res.Restored {
			t.Errorf("gate@%s ran again", host)
		}
	}
	for _, host := range []string{"h3", "h5", "h6"} {
		if res := resultOf(t, rep, "gate@"+host); res.Restored || res.Status != StatusChanged {
			t.Errorf("gate@%s: %s, restored %v", host, res.Status, res.Restored)
		}
	}
	started, finished := batchOrder(events, "gate")
	for _, later := range []string{"h5", "h6"} {
		if started[later] < finished["h3"] {
			t.Errorf("gate@%s started before gate@h3 ended in the resumed run", later)
		}
	}
}

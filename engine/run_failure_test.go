package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

func TestFailureSkipsOnlyDependents(t *testing.T) {
	p := mustLoad(t, `
task "fail" "broken" {
  message = "disk full"
}
task "echo" "child" {
  message = "after"
  depends_on = [task.broken]
}
task "echo" "grandchild" {
  message = task.child.message
}
task "echo" "independent" {
  message = "alone"
}
`, LoadOptions{})
	rec := &recorder{}
	rep, err := Run(context.Background(), p, RunOptions{Subscribers: []Subscriber{rec}})
	if !errors.Is(err, ErrTaskFailed) || errors.Is(err, ErrHostUnreachable) {
		t.Fatalf("run error %v, want ErrTaskFailed only", err)
	}
	broken := resultOf(t, rep, "broken@local")
	if broken.Status != StatusFailed || !strings.Contains(broken.Err.Error(), "task broken on host local: disk full") {
		t.Errorf("broken: %s %v", broken.Status, broken.Err)
	}
	if broken.StderrTail != "disk full" {
		t.Errorf("broken stderr tail %q", broken.StderrTail)
	}
	for _, id := range []string{"child@local", "grandchild@local"} {
		res := resultOf(t, rep, id)
		if res.Status != StatusSkipped || res.Err == nil || errors.Is(res.Err, ErrHostUnreachable) {
			t.Errorf("%s: %s %v, want skipped with a reason, its host reached", id, res.Status, res.Err)
		}
	}
	if got := resultOf(t, rep, "child@local").Err.Error(); !strings.Contains(got, "needs task broken on host local, which failed") {
		t.Errorf("child reason: %s", got)
	}
	if got := resultOf(t, rep, "independent@local").Status; got != StatusOK {
		t.Errorf("independent: %s", got)
	}
	finished := 0
	for _, e := range rec.all() {
		if e.Kind == EventTaskFinished {
			finished++
		}
	}
	if finished != 4 {
		t.Errorf("%d task_finished events, want one per instance (4)", finished)
	}
}

func TestIgnoreErrorsLetsDependentsRun(t *testing.T) {
	p := mustLoad(t, `
task "flaky" "maybe" {
  key           = "`+uniqueKey(t)+`"
  failures      = 5
  ignore_errors = true
}
task "echo" "next" {
  message = "attempt ${coalesce(task.maybe.attempt, 0)}"
}
`, LoadOptions{})
	rep, err := Run(context.Background(), p, RunOptions{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	maybe := resultOf(t, rep, "maybe@local")
	if maybe.Status != StatusFailed || !maybe.Ignored || maybe.Failed() {
		t.Errorf("maybe: %s ignored=%v", maybe.Status, maybe.Ignored)
	}
	if got := resultOf(t, rep, "next@local").Outputs["message"]; got != "attempt 0" {
		t.Errorf("next message %v", got)
	}
}

func TestFailFastCancelsTheRest(t *testing.T) {
	p := mustLoad(t, `
task "block" "running" {
  name = "running"
}
task "fail" "broken" {
  message = "boom"
  depends_on = [task.gate]
}
task "rendezvous" "gate" {
  key     = "`+uniqueKey(t)+`"
  parties = 1
}
task "echo" "later" {
  message = "x"
  depends_on = [task.broken]
}
task "echo" "other" {
  message = "x"
  depends_on = [task.gate, task.broken]
}
`, LoadOptions{})
	rep, err := Run(context.Background(), p, RunOptions{FailFast: true, Parallel: 4})
	if !errors.Is(err, ErrTaskFailed) || errors.Is(err, ErrInterrupted) {
		t.Fatalf("run error %v", err)
	}
	if got := resultOf(t, rep, "running@local"); got.Status != StatusCancelled {
		t.Errorf("running: %s %v, want cancelled", got.Status, got.Err)
	}
	if got := resultOf(t, rep, "broken@local").Status; got != StatusFailed {
		t.Errorf("broken: %s", got)
	}
	if rep.Interrupted {
		t.Error("a fail-fast stop is not an interruption")
	}
}

func TestCancelInterruptsTheRun(t *testing.T) {
	p := mustLoad(t, `
task "block" "wait" {
  name = "wait"
}
task "echo" "after" {
  message = "x"
  depends_on = [task.wait]
}
`, LoadOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	sub := SubscriberFunc(func(e Event) {
		if e.Kind == EventProgress { // the block module is waiting
			cancel()
		}
	})
	rep, err := Run(ctx, p, RunOptions{Subscribers: []Subscriber{sub}})
	if !errors.Is(err, ErrInterrupted) || !rep.Interrupted {
		t.Fatalf("run error %v, interrupted %v", err, rep.Interrupted)
	}
	for _, res := range rep.Instances {
		if res.Status != StatusCancelled || !errors.Is(res.Err, context.Canceled) && !errors.Is(res.Err, ErrInterrupted) {
			t.Errorf("%s: %s %v, want cancelled", res.ID(), res.Status, res.Err)
		}
	}
}

func TestTimeoutFailsTheAttempt(t *testing.T) {
	p := mustLoad(t, `
task "block" "slow" {
  timeout = "20ms"
}
`, LoadOptions{})
	rep, err := Run(context.Background(), p, RunOptions{})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("run error %v", err)
	}
	res := resultOf(t, rep, "slow@local")
	if res.Status != StatusFailed || !strings.Contains(res.Err.Error(), "timed out after 20ms") || !errors.Is(res.Err, context.DeadlineExceeded) {
		t.Errorf("slow: %s %v", res.Status, res.Err)
	}
	// It says once that time ran out.
	if strings.Contains(res.Err.Error(), context.DeadlineExceeded.Error()) {
		t.Errorf("slow: %v", res.Err)
	}
}

func TestRunOptionsTimeoutIsTheDefault(t *testing.T) {
	p := mustLoad(t, `task "block" "slow" {}`, LoadOptions{})
	rep, _ := Run(context.Background(), p, RunOptions{Timeout: 10 * 1e6})
	if res := resultOf(t, rep, "slow@local"); !strings.Contains(fmt.Sprint(res.Err), "timed out after 10ms") {
		t.Errorf("slow: %v", res.Err)
	}
}

// deadHost is a transport that dials lazily, as SSH does, to a host that
// cannot be reached: every call fails with err.
type deadHost struct{ err error }

func (d deadHost) Run(context.Context, transport.Command) (transport.Result, error) {
	return transport.Result{}, d.err
}
func (d deadHost) Upload(context.Context, transport.File) (bool, error)             { return false, d.err }
func (d deadHost) Download(context.Context, string, io.Writer) (fs.FileMode, error) { return 0, d.err }
func (d deadHost) Close() error                                                     { return nil }

// TestUnreachableHostSkipsItsInstances runs over a host whose connection
// fails and one whose transport connects lazily and then cannot reach it.
// The instance that found each host unreachable fails, and every one that
// did not run because of it is skipped; the errors of all of them wrap
// ErrHostUnreachable.
func TestUnreachableHostSkipsItsInstances(t *testing.T) {
	p := mustLoad(t, `
host "down" {}
host "lazy" {}
host "up" {}
task "echo" "first" {
  on      = group.all
  message = "1"
}
task "echo" "second" {
  on      = group.all
  message = "2"
  depends_on = [task.unrelated]
}
task "echo" "unrelated" {
  message = "x"
}
task "echo" "after" {
  on      = group.all
  message = task.first.message
}
task "echo" "third" {
  on      = host.up
  message = "${task.first.on.down.message}${task.first.on.lazy.message}"
}
task "echo" "fourth" {
  on      = host.up
  message = task.third.message
}
`, LoadOptions{})
	connect := func(h HostConfig) (transport.Host, error) {
		switch h.Name {
		case "down":
			return nil, fmt.Errorf("dial %s:22: %w", h.Address, transport.ErrUnreachable)
		case "lazy":
			return deadHost{fmt.Errorf("dial %s:22: %w", h.Address, transport.ErrUnreachable)}, nil
		}
		return transport.NewLocal(), nil
	}
	rec := &recorder{}
	rep, err := Run(context.Background(), p, RunOptions{Connect: connect, Subscribers: []Subscriber{rec}, Parallel: 1})
	if !errors.Is(err, ErrHostUnreachable) || !errors.Is(err, ErrTaskFailed) || !strings.Contains(err.Error(), "host unreachable: down, lazy") {
		t.Fatalf("run error %v", err)
	}
	for _, h := range []string{"down", "lazy"} {
		first := resultOf(t, rep, "first@"+h)
		if first.Status != StatusFailed || !first.Unreachable || !errors.Is(first.Err, ErrHostUnreachable) || !errors.Is(first.Err, transport.ErrUnreachable) {
			t.Errorf("first@%s: %s unreachable=%v %v", h, first.Status, first.Unreachable, first.Err)
		}
		for _, task := range []string{"second", "after"} {
			got := resultOf(t, rep, task+"@"+h)
			if got.Status != StatusSkipped || !got.Unreachable || !errors.Is(got.Err, ErrHostUnreachable) {
				t.Errorf("%s@%s: %s unreachable=%v %v", task, h, got.Status, got.Unreachable, got.Err)
			}
		}
	}
	// third and fourth run on a host that works: they did not run because
	// of the hosts that do not, and are not marked unreachable.
	for _, id := range []string{"third@up", "fourth@up"} {
		if got := resultOf(t, rep, id); got.Status != StatusSkipped || got.Unreachable || !errors.Is(got.Err, ErrHostUnreachable) {
			t.Errorf("%s: %s unreachable=%v %v", id, got.Status, got.Unreachable, got.Err)
		}
	}
	for _, id := range []string{"first@up", "second@up", "after@up", "unrelated@local"} {
		if got := resultOf(t, rep, id).Status; got != StatusOK {
			t.Errorf("%s: %s", id, got)
		}
	}
	var unreachable []string
	for _, e := range rec.all() {
		if e.Kind == EventHostUnreachable {
			unreachable = append(unreachable, e.Host)
		}
	}
	if slices.Sort(unreachable); !slices.Equal(unreachable, []string{"down", "lazy"}) {
		t.Errorf("host_unreachable events for %v, want one for down and one for lazy", unreachable)
	}
}

func TestLimitRestrictsHosts(t *testing.T) {
	p := mustLoad(t, `
host "web" {
  groups = ["front"]
}
host "db" {}
task "echo" "all" {
  on      = group.all
  message = self.name
}
task "echo" "local_needs_db" {
  message = task.all.on.db.message
}
task "echo" "web_needs_that" {
  on      = host.web
  message = task.local_needs_db.on.local.message
}
`, LoadOptions{})
	// A fail-fast run is not stopped by the instances the limit leaves out.
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect, Limit: []string{"front", "local"}, FailFast: true})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var ids []string
	for _, r := range rep.Instances {
		ids = append(ids, r.ID()+"="+string(r.Status))
	}
	if got, want := strings.Join(ids, " "), "all@web=ok local_needs_db@local=skipped web_needs_that@web=skipped"; got != want {
		t.Errorf("instances %s, want %s", got, want)
	}
	if got := resultOf(t, rep, "local_needs_db@local").Err.Error(); !strings.Contains(got, "needs task all on host db, which the limit leaves out") {
		t.Errorf("reason: %s", got)
	}
	if got := resultOf(t, rep, "web_needs_that@web").Err.Error(); !strings.Contains(got, "needs task local_needs_db on host local, which did not run") {
		t.Errorf("reason: %s", got)
	}
	if _, err := Run(context.Background(), p, RunOptions{Limit: []string{"webb"}}); err == nil || !strings.Contains(err.Error(), `Did you mean "web"?`) {
		t.Errorf("unknown limit: %v", err)
	}
}

func TestSelectHosts(t *testing.T) {
	p := mustLoad(t, `
host "web" {
  groups = ["front"]
}
host "db" {}
`, LoadOptions{})
	for limit, want := range map[string]string{"": "db local web", "front,db": "db web", "local": "local"} {
		var list []string
		if limit != "" {
			list = strings.Split(limit, ",")
		}
		got, err := p.SelectHosts(list)
		if err != nil {
			t.Fatalf("SelectHosts(%q): %v", limit, err)
		}
		if names := strings.Join(slices.Sorted(maps.Keys(got)), " "); names != want {
			t.Errorf("SelectHosts(%q) = %s, want %s", limit, names, want)
		}
	}
	// Run refuses an unknown name with the same error.
	_, selErr := p.SelectHosts([]string{"fornt"})
	_, runErr := Run(context.Background(), p, RunOptions{Limit: []string{"fornt"}})
	const want = `limit: no host or group named "fornt". Did you mean "front"?`
	if selErr == nil || runErr == nil || selErr.Error() != want || runErr.Error() != want {
		t.Errorf("unknown name: SelectHosts %v, Run %v, want %s", selErr, runErr, want)
	}
}

func TestSlowSubscriberDoesNotHoldTheWalk(t *testing.T) {
	p := mustLoad(t, `
task "echo" "a" {
  message = "a"
}
task "echo" "b" {
  message = task.a.message
}
`, LoadOptions{})
	release := make(chan struct{})
	var seen []EventKind
	slow := SubscriberFunc(func(e Event) {
		<-release // blocks until the walk is over
		seen = append(seen, e.Kind)
	})
	watcher := SubscriberFunc(func(e Event) {
		if e.Kind == EventTaskFinished && e.Task == "b" {
			close(release)
		}
	})
	if _, err := Run(context.Background(), p, RunOptions{Subscribers: []Subscriber{slow, watcher}}); err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 || seen[len(seen)-1] != EventRunFinished {
		t.Errorf("the slow subscriber saw %v", seen)
	}
}

func TestUntilAndWhenAtRunTime(t *testing.T) {
	key := uniqueKey(t)
	p := mustLoad(t, `
task "flaky" "never" {
  key     = "`+key+`-never"
  retries = 2
  delay   = "1ms"
  until   = result.attempt > 10
}
task "flaky" "once" {
  key = "`+key+`-once"
}
task "echo" "if_first" {
  message = "first"
  when    = task.once.attempt == 1
}
task "echo" "if_second" {
  message = "second"
  when    = task.once.attempt == 2
}
`, LoadOptions{})
	rec := &recorder{}
	rep, err := Run(context.Background(), p, RunOptions{Subscribers: []Subscriber{rec}})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("run error %v", err)
	}
	never := resultOf(t, rep, "never@local")
	if never.Status != StatusFailed || never.Attempts != 3 || !strings.Contains(never.Err.Error(), "until was still false after 3 attempts") {
		t.Errorf("never: %s after %d attempts: %v", never.Status, never.Attempts, never.Err)
	}
	var attempts []int
	for _, e := range rec.all() {
		if e.Kind == EventRetry && e.Task == "never" {
			attempts = append(attempts, e.Attempt)
			if e.Error != "until is false" {
				t.Errorf("retry error %q", e.Error)
			}
		}
	}
	if fmt.Sprint(attempts) != "[1 2]" {
		t.Errorf("retry events for attempts %v", attempts)
	}
	if got := resultOf(t, rep, "if_first@local").Status; got != StatusOK {
		t.Errorf("if_first: %s", got)
	}
	if got := resultOf(t, rep, "if_second@local").Status; got != StatusSkipped {
		t.Errorf("if_second: %s", got)
	}
}

// TestStopLetsRunningInstancesFinish closes RunOptions.Stop while an
// instance runs: it finishes on its own, and what was not started is
// cancelled.
func TestStopLetsRunningInstancesFinish(t *testing.T) {
	key := uniqueKey(t)
	p := mustLoad(t, fmt.Sprintf(`
task "gate" "slow" {
  key = %q
}
task "echo" "after" {
  message    = "x"
  depends_on = [task.slow]
}
`, key), LoadOptions{})
	stop := make(chan struct{})
	sub := SubscriberFunc(func(e Event) {
		if e.Kind == EventProgress { // slow is running
			close(stop)
			close(gate(key))
		}
	})
	rep, err := Run(context.Background(), p, RunOptions{Stop: stop, Subscribers: []Subscriber{sub}})
	if !errors.Is(err, ErrInterrupted) || !rep.Interrupted {
		t.Fatalf("run error %v, interrupted %v", err, rep.Interrupted)
	}
	if res := resultOf(t, rep, "slow@local"); res.Status != StatusChanged {
		t.Errorf("the running instance ended %s (%v), want changed", res.Status, res.Err)
	}
	if res := resultOf(t, rep, "after@local"); res.Status != StatusCancelled || !errors.Is(res.Err, ErrInterrupted) {
		t.Errorf("the instance not started ended %s (%v), want cancelled", res.Status, res.Err)
	}
}

// TestLimitWithoutInstances limits a playbook whose tasks run on web to
// hosts none of them runs on: plan's check and Run refuse it alike,
// naming the hosts the tasks run on.
func TestLimitWithoutInstances(t *testing.T) {
	p := mustLoad(t, `
host "web" {}
host "db" {
  groups = ["back"]
}
task "echo" "a" {
  on      = host.web
  message = "hi"
}
`, LoadOptions{})
	_, selErr := p.SelectHosts([]string{"back", "local"})
	_, runErr := Run(context.Background(), p, RunOptions{Limit: []string{"back", "local"}, Connect: localConnect})
	const want = `limit: back, local selects none of the hosts the tasks run on: web`
	if selErr == nil || runErr == nil || selErr.Error() != want || runErr.Error() != want {
		t.Errorf("SelectHosts %v, Run %v, want %s", selErr, runErr, want)
	}
}

// TestRunTimeErrorsNameTheirPlace checks that a condition that fails at
// run time names its place as file:line:column, as load errors do.
func TestRunTimeErrorsNameTheirPlace(t *testing.T) {
	p := mustLoad(t, `
task "echo" "x" {
  message = "abc"
}
task "echo" "y" {
  message = "y"
  when    = tonumber(task.x.message) > 1
}
task "echo" "z" {
  message = "z"
  when    = task.x.message == "abc" ? null : true
}
`, LoadOptions{})
	rep, _ := Run(context.Background(), p, RunOptions{Connect: localConnect})
	for id, want := range map[string]string{"y@local": `main\.hcl:7:\d+: Invalid function argument; `, "z@local": `main\.hcl:11:13: when is null$`} {
		if res := resultOf(t, rep, id); res.Err == nil || !regexp.MustCompile(want).MatchString(res.Err.Error()) {
			t.Errorf("%s: %v, want it to match %s", id, res.Err, want)
		}
	}
}

package faulttest

import (
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

// Size of the load test: loadHosts hosts, each with loadTasks tasks.
const (
	loadHosts = 200
	loadTasks = 10
)

// loadPlaybook declares loadHosts hosts in a few groups and, on all of
// them, a chain of loadTasks tasks that each read the one before: odd ones
// are commands echoing the host's name and what they read, even ones
// asserts checking what the command before them printed. A final assert on
// local reads the last task of every host.
func loadPlaybook() string {
	var b strings.Builder
	for i := 1; i <= loadHosts; i++ {
		fmt.Fprintf(&b, "host \"h%03d\" {\n  groups = [\"g%d\"]\n}\n", i, i%7)
	}
	for i := 1; i <= loadTasks; i++ {
		switch {
		case i == 1:
			b.WriteString("\ntask \"command\" \"t01\" {\n  on   = group.all\n  argv = [\"echo\", self.name, \"true\"]\n}\n")
		case i%2 == 1:
			fmt.Fprintf(&b, "\ntask \"command\" \"t%02d\" {\n  on   = group.all\n  argv = [\"echo\", self.name, tostring(task.t%02d.passed)]\n}\n", i, i-1)
		default:
			fmt.Fprintf(&b, "\ntask \"assert\" \"t%02d\" {\n  on   = group.all\n  that = task.t%02d.stdout == \"${self.name} true\"\n}\n", i, i-1)
		}
	}
	fmt.Fprintf(&b, "\ntask \"assert\" \"all_done\" {\n  that = length([for out in task.t%02d.on : out if out.passed]) == %d\n}\n", loadTasks, loadHosts)
	return b.String()
}

// TestManyHostsLoad runs loadHosts × loadTasks instances, plus one, over
// hosts connected to the control node: every instance ends, with exactly
// the counts the playbook implies, in the report and in the events.
func TestManyHostsLoad(t *testing.T) {
	t.Parallel()
	p := load(t, loadPlaybook(), engine.LoadOptions{})
	var connects countingConnect
	events := &recorder{}
	rep, err := runNow(t, p, engine.RunOptions{Connect: connects.connect, Subscribers: []engine.Subscriber{events}})
	if err != nil {
		t.Fatal(err)
	}

	total := loadHosts*loadTasks + 1
	want := map[engine.Status]int{engine.StatusChanged: loadTasks / 2 * loadHosts, engine.StatusOK: loadTasks/2*loadHosts + 1}
	if got := countStatuses(rep.Instances); !maps.Equal(got, want) || len(rep.Instances) != total {
		t.Errorf("the report has %d instances ending %v, want %d ending %v", len(rep.Instances), got, total, want)
	}
	finished := map[engine.Status]int{}
	started := 0
	for _, e := range events.all() {
		switch e.Kind {
		case engine.EventTaskStarted:
			started++
		case engine.EventTaskFinished:
			finished[e.Status]++
		}
	}
	if started != total || !maps.Equal(finished, want) {
		t.Errorf("events: %d started, finished %v; want %d started, finished %v", started, finished, total, want)
	}
	if n := connects.count(); n != loadHosts {
		t.Errorf("Connect was called %d times, want once per host (%d)", n, loadHosts)
	}
}

// countStatuses counts results by status.
func countStatuses(results []engine.InstanceResult) map[engine.Status]int {
	counts := map[engine.Status]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	return counts
}

// countingConnect connects every host to the control node and counts the
// calls.
type countingConnect struct {
	mu    sync.Mutex
	calls int
}

// connect is a RunOptions.Connect.
func (c *countingConnect) connect(engine.HostConfig) (transport.Host, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return transport.NewLocal(), nil
}

// count returns the number of calls so far.
func (c *countingConnect) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

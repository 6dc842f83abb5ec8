package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/internal/loadtest"
	"github.com/runbookhq/runbook/engine/transport"
)

// peerPlaybook has two hosts and a task on a that runs a command on its
// peer b, named by its name, then a task that depends on it.
const peerPlaybook = `
host "a" {}
host "b" {
  address = "10.0.0.3"
}
task "shell" "across" {
  on     = host.a
  script = "echo across"
  peer   = "b"
}
task "shell" "after" {
  on         = host.a
  script     = "echo after"
  depends_on = [task.across]
}
`

// hostsOf returns a Connect function giving each host its own fakeHost,
// and the names of the hosts it connected, in order.
func hostsOf(hosts map[string]transport.Host) (func(HostConfig) (transport.Host, error), func() []string) {
	var mu sync.Mutex
	var connected []string
	connect := func(h HostConfig) (transport.Host, error) {
		mu.Lock()
		defer mu.Unlock()
		connected = append(connected, h.Name)
		if th, ok := hosts[h.Name]; ok {
			return th, nil
		}
		return &fakeHost{}, nil
	}
	return connect, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(connected)
	}
}

func TestPeerUnknownHostIsLoadError(t *testing.T) {
	tests := []struct {
		name, value, summary, detail string
	}{
		{"misspelt name", `"secondry"`, "Reference to undeclared host", `names the host "secondry", which is not declared. Did you mean "secondary"?`},
		{"misspelt host variable", `self.vars.peer_name`, "Reference to undeclared host", `names the host "secondaryy", which is not declared. Did you mean "secondary"?`},
		{"task output", `task.first.stdout`, "Invalid host argument", "cannot refer to the outputs of tasks"},
		{"not a host", `42`, "Invalid host argument", "must be a host (host.NAME) or a host's name; it is a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := `host "primary" {
  vars = { peer_name = "secondaryy" }
}
host "secondary" {}
task "shell" "first" {
  on     = host.primary
  script = "true"
}
task "shell" "across" {
  on     = host.primary
  script = "true"
  peer   = ` + tt.value + `
}
`
			_, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": src}), LoadOptions{})
			if !diags.HasErrors() {
				t.Fatal("loaded without errors")
			}
			d := diags[0]
			if d.Summary != tt.summary || !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("diagnostic %q: %q; want %q with %q", d.Summary, d.Detail, tt.summary, tt.detail)
			}
			if d.Subject == nil || filepath.Base(d.Subject.Filename) != "main.hcl" || d.Subject.Start.Line != 12 || d.Subject.Start.Column != 12 {
				t.Errorf("diagnostic at %v, want main.hcl:12,12 (the value of peer)", d.Subject)
			}
		})
	}
}

// objectPeerPlaybook is peerPlaybook naming the peer by its host object.
var objectPeerPlaybook = strings.Replace(peerPlaybook, `peer   = "b"`, `peer   = host.b`, 1)

func TestPeerShownInPlanAndGraph(t *testing.T) {
	p := mustLoad(t, objectPeerPlaybook, LoadOptions{})
	plan, diags := p.Plan()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	peers := map[string][]string{}
	for _, pi := range plan.Instances {
		peers[pi.ID()] = pi.Peers
		if pi.Task == "across" && pi.Args["peer"] != "host.b" {
			t.Errorf("the plan shows peer = %s, want host.b", pi.Args["peer"])
		}
	}
	if fmt.Sprint(peers) != "map[across@a:[b] after@a:[]]" {
		t.Errorf("peers in the plan: %v", peers)
	}
	var dot bytes.Buffer
	if err := p.WriteDOT(&dot, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dot.String(), `"across@a" [label="across\nshell on a with b"]`) {
		t.Errorf("graph:\n%s", dot.String())
	}
}

func TestPeerLimitSkipsInstance(t *testing.T) {
	p := mustLoad(t, peerPlaybook, LoadOptions{})
	b := &fakeHost{}
	connect, connected := hostsOf(map[string]transport.Host{"b": b})
	rep, err := Run(context.Background(), p, RunOptions{Connect: connect, Limit: []string{"a"}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	across := resultOf(t, rep, "across@a")
	if across.Status != StatusSkipped || across.Err == nil || across.Err.Error() != "task across on host a: not run: the limit leaves out its peer b" {
		t.Errorf("across: %s, %v", across.Status, across.Err)
	}
	after := resultOf(t, rep, "after@a")
	if after.Status != StatusSkipped || after.Err == nil || !strings.Contains(after.Err.Error(), "it needs task across on host a, which the limit skips, as it leaves out its peer b") {
		t.Errorf("after: %s, %v", after.Status, after.Err)
	}
	if got := connected(); len(got) != 0 {
		t.Errorf("connected to %v", got)
	}
	if len(b.cmds) != 0 {
		t.Errorf("ran %d commands on b, which the limit leaves out", len(b.cmds))
	}
}

func TestPeerOutputCarriesPeerName(t *testing.T) {
	p := mustLoad(t, objectPeerPlaybook, LoadOptions{})
	connect, _ := hostsOf(nil)
	rec := &recorder{}
	if _, err := Run(context.Background(), p, RunOptions{Connect: connect, Subscribers: []Subscriber{rec}}); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range rec.all() {
		if e.Kind == EventOutput {
			lines = append(lines, fmt.Sprintf("%s@%s on %q: %s", e.Task, e.Host, e.On, e.Line))
		}
	}
	want := []string{`across@a on "b": ran echo across`, `after@a on "": ran echo after`}
	if !slices.Equal(lines, want) {
		t.Errorf("output events %q, want %q", lines, want)
	}
}

// unreachableHost fails every command as a host that cannot be reached.
type unreachableHost struct{ fakeHost }

func (u *unreachableHost) Run(context.Context, transport.Command) (transport.Result, error) {
	return transport.Result{}, fmt.Errorf("dial 10.0.0.3:22: %w", transport.ErrUnreachable)
}

func TestPeerUnreachableIsThatHost(t *testing.T) {
	p := mustLoad(t, peerPlaybook+`
task "shell" "solo" {
  on     = host.a
  script = "echo solo"
}
task "shell" "also" {
  on         = host.a
  script     = "echo also"
  peer       = "b"
  depends_on = [task.solo]
}
`, LoadOptions{})
	connect, _ := hostsOf(map[string]transport.Host{"b": &unreachableHost{}})
	rec := &recorder{}
	rep, err := Run(context.Background(), p, RunOptions{Connect: connect, Parallel: 1, Subscribers: []Subscriber{rec}})
	if !errors.Is(err, ErrHostUnreachable) || !strings.Contains(err.Error(), "host unreachable: b\n") {
		t.Errorf("run error %v; want b unreachable, not a", err)
	}
	across := resultOf(t, rep, "across@a")
	if across.Status != StatusFailed || !across.Unreachable || !errors.Is(across.Err, ErrHostUnreachable) {
		t.Errorf("across: %s, unreachable %v, %v", across.Status, across.Unreachable, across.Err)
	}
	var unreachable []string
	for _, e := range rec.all() {
		if e.Kind == EventHostUnreachable {
			unreachable = append(unreachable, e.Host)
		}
	}
	if fmt.Sprint(unreachable) != "[b]" {
		t.Errorf("host_unreachable events for %v, want [b]", unreachable)
	}
	if got := resultOf(t, rep, "after@a"); got.Err == nil || !strings.Contains(got.Err.Error(), "which could not reach its peer b") {
		t.Errorf("after: %s, %v", got.Status, got.Err)
	}
	if got := resultOf(t, rep, "solo@a"); got.Status != StatusChanged {
		t.Errorf("solo, on a alone: %s, %v", got.Status, got.Err)
	}
	also := resultOf(t, rep, "also@a")
	if also.Status != StatusSkipped || !also.Unreachable || also.Err == nil || !strings.Contains(also.Err.Error(), "not run: its peer b: host unreachable") {
		t.Errorf("also: %s, unreachable %v, %v", also.Status, also.Unreachable, also.Err)
	}
}

func TestPeerRecordedInJournal(t *testing.T) {
	p := mustLoad(t, peerPlaybook, LoadOptions{})
	state := t.TempDir()
	connect, _ := hostsOf(nil)
	if _, _, err := journalRun(t, context.Background(), p, state, RunOptions{Connect: connect}); err != nil {
		t.Fatal(err)
	}
	peers := map[string][]string{}
	for _, r := range lastRun(t, p, state).Records {
		peers[r.ID()] = r.Peers
	}
	if fmt.Sprint(peers) != "map[across@a:[b] after@a:[]]" {
		t.Errorf("peers in the journal: %v", peers)
	}
}

// busyHost is a transport whose commands take a while and that records
// how many of them ran at once.
type busyHost struct {
	fakeHost
	running, peak atomic.Int32
}

func (b *busyHost) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	n := b.running.Add(1)
	defer b.running.Add(-1)
	for {
		peak := b.peak.Load()
		if n <= peak || b.peak.CompareAndSwap(peak, n) {
			break
		}
	}
	time.Sleep(50 * time.Millisecond)
	return b.fakeHost.Run(ctx, cmd)
}

func TestPeerCountsAgainstPerHostLimit(t *testing.T) {
	p := mustLoad(t, peerPlaybook+`
task "shell" "local" {
  on     = host.b
  script = "echo local"
}
`, LoadOptions{})
	b := &busyHost{}
	connect, _ := hostsOf(map[string]transport.Host{"b": b})
	if _, err := Run(context.Background(), p, RunOptions{Connect: connect, Parallel: 4, PerHost: 1}); err != nil {
		t.Fatal(err)
	}
	if got := b.peak.Load(); got != 1 {
		t.Errorf("%d commands ran on b at once under a per-host limit of 1", got)
	}
}

func TestPeerRefusesOtherHosts(t *testing.T) {
	env := NewEnv(&fakeHost{}, "a", "t", map[string]transport.Host{"b": &fakeHost{}}, nil)
	if _, err := env.Peer(HostRef{Name: "b"}); err != nil {
		t.Errorf("peer b: %v", err)
	}
	if _, err := env.Peer(HostRef{Name: "c"}); !errors.Is(err, ErrNotPeer) {
		t.Errorf("peer c: %v, want ErrNotPeer", err)
	}
}

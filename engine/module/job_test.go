package module_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/job"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/testenv"
)

// jobEnv returns an Env made by NewEnv on the local host and the sudo
// that runs commands as a new user with a home of its own, removed with
// its files when the test ends.
func jobEnv(t *testing.T) (*module.Env, *transport.Sudo, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "needs root: creates a user")
	}
	u, home := sshdtest.NewJobUser(t)
	return module.NewEnv(transport.NewLocal(), "local", "slow", nil, nil), &transport.Sudo{User: u.Name}, home
}

// TestNewEnvDetachedRunsAJob runs a job through an Env made by NewEnv:
// its input arrives, every line of its log reaches OnLine once, its exit
// status and tail come back, and its files are removed.
func TestNewEnvDetachedRunsAJob(t *testing.T) {
	env, sudo, home := jobEnv(t)
	var mu sync.Mutex
	var lines []string
	res, err := env.Detached(context.Background(), "slow", transport.Command{
		Args:  []string{"/bin/sh", "-s"},
		Stdin: strings.NewReader("echo one; sleep 0.3; echo \"$GREETING\" >&2; read x; echo \"$x\"; exit 3\n"),
		Env:   map[string]string{"GREETING": "two"},
		Sudo:  sudo,
		OnLine: func(_ transport.Stream, l string) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, l)
		},
	}, module.JobOptions{Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || res.OK() || res.Tail != "one\ntwo\n" && res.Tail != "one\ntwo" {
		t.Errorf("result %+v", res)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(lines, []string{"one", "two", ""}) {
		t.Errorf("lines %q", lines)
	}
	if left, _ := filepath.Glob(filepath.Join(home, ".runbook", "jobs", "*")); len(left) > 0 {
		t.Errorf("the job's files are left: %v", left)
	}
}

// TestNewEnvDetachedKillsAtTheDeadline ends a job at its context's
// deadline: the whole process group is killed on the host.
func TestNewEnvDetachedKillsAtTheDeadline(t *testing.T) {
	env, sudo, _ := jobEnv(t)
	ctx := newExpiring()
	res, err := env.Detached(ctx, "slow", transport.Command{
		Script: "echo started; sleep 300 & sleep 301; wait",
		Sudo:   sudo,
		OnLine: func(transport.Stream, string) { ctx.expire() },
	}, module.JobOptions{Poll: 50 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || res.Signal != "TERM" || res.ExitCode != -1 {
		t.Fatalf("Detached = %+v, %v; want killed by TERM at the deadline", res, err)
	}
	if strings.Contains(err.Error(), "sleep") || !strings.Contains(err.Error(), "on host local") {
		t.Errorf("error %q", err)
	}
}

// TestNewEnvPeerDetachedRunsOnThePeer runs a job through PeerDetached on a
// peer of an Env made by NewEnv: it runs there, its errors name the peer,
// and a host that is not a peer is refused before anything starts.
func TestNewEnvPeerDetachedRunsOnThePeer(t *testing.T) {
	_, sudo, home := jobEnv(t)
	env := module.NewEnv(nil, "primary", "replicate", map[string]transport.Host{"secondary": transport.NewLocal()}, nil)
	peer := module.HostRef{Name: "secondary"}
	res, err := env.PeerDetached(context.Background(), peer, "copy", transport.Command{Script: "echo copied; exit 4", Sudo: sudo}, module.JobOptions{Poll: 50 * time.Millisecond})
	if err != nil || res.ExitCode != 4 || strings.TrimSpace(res.Tail) != "copied" {
		t.Fatalf("PeerDetached = %+v, %v; want exit 4 with the job's log", res, err)
	}
	if left, _ := filepath.Glob(filepath.Join(home, ".runbook", "jobs", "*")); len(left) > 0 {
		t.Errorf("the job's files are left: %v", left)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := env.PeerDetached(ctx, peer, "copy", transport.Command{Script: "sleep 300", Sudo: sudo}, module.JobOptions{Poll: 50 * time.Millisecond}); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "on host secondary") {
		t.Errorf("PeerDetached at its deadline: %v; want the deadline's error naming the peer", err)
	}
	if _, err := env.PeerDetached(context.Background(), module.HostRef{Name: "other"}, "copy", transport.Command{Script: "echo no", Sudo: sudo}, module.JobOptions{}); !errors.Is(err, module.ErrNotPeer) {
		t.Errorf("PeerDetached on a host that is no peer: %v; want ErrNotPeer", err)
	}
}

// keeperLog is a module.JobKeeper on the local host that finds one mark
// and records, in order, what it is told: the marks it keeps and the
// lines it shows.
type keeperLog struct {
	mark  job.Mark
	mu    sync.Mutex
	steps []string
}

func (k *keeperLog) Host() transport.Host { return transport.NewLocal() }
func (k *keeperLog) HostName() string     { return "local" }
func (k *keeperLog) Peer(ref module.HostRef) (module.JobKeeper, error) {
	return nil, module.ErrNotPeer
}
func (k *keeperLog) Find(key string) (job.Mark, bool)       { return k.mark, k.mark.ID != "" }
func (k *keeperLog) Stop() <-chan struct{}                  { return nil }
func (k *keeperLog) Sweep(context.Context, *transport.Sudo) {}
func (k *keeperLog) Timeout() time.Duration                 { return 0 }

func (k *keeperLog) Keep(m job.Mark, durable bool) error {
	k.add(fmt.Sprintf("keep offset %d showing %d durable %v", m.Offset, m.Showing, durable))
	return nil
}

func (k *keeperLog) Line(line string) { k.add("line " + line) }

func (k *keeperLog) add(step string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.steps = append(k.steps, step)
}

// TestDetachedRecordsLinesBeforeShowingThem re-attaches to a job whose
// journal says that the run before was killed while it showed the lines
// after byte 5: the run says that they may have shown already, shows them
// again, and, for every lines it shows, has the journal learn on disk how
// far they reach before it shows them, and that they showed after.
func TestDetachedRecordsLinesBeforeShowingThem(t *testing.T) {
	_, sudo, _ := jobEnv(t)
	ctx := context.Background()
	j, err := job.Start(ctx, transport.NewLocal(), sudo, transport.Command{Script: "echo one; echo two"}, func(job.Ref) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	for st, err := j.Poll(ctx, func(string) {}); st.State == job.Running; st, err = j.Poll(ctx, func(string) {}) {
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	k := &keeperLog{mark: job.Mark{Key: "slow", Host: "local", Ref: j.Ref(), Sudo: true, SudoUser: sudo.User, Offset: 4, Showing: 8}}
	var progress []string
	env := module.NewEnvHooks(transport.NewLocal(), "local", "slow", module.EnvHooks{Jobs: k, Progress: func(msg string) { progress = append(progress, msg) }})
	res, err := env.Detached(ctx, "slow", transport.Command{Script: "never run"}, module.JobOptions{Poll: 50 * time.Millisecond})
	if err != nil || res.ExitCode != 0 || !res.Reattached {
		t.Fatalf("Detached = %+v, %v; want the job re-attached to, exited 0", res, err)
	}
	if !slices.ContainsFunc(progress, func(p string) bool { return strings.Contains(p, "from byte 4 on may have shown already") }) {
		t.Errorf("the run does not say which lines may show twice: %q", progress)
	}
	want := []string{"keep offset 4 showing 8 durable true", "line two", "keep offset 8 showing 0 durable false"}
	if len(k.steps) < len(want) || !slices.Equal(k.steps[:len(want)], want) {
		t.Errorf("the keeper was told %q, want first %q", k.steps, want)
	}
}

// expiring is a context whose deadline passes when expire is called: a
// deadline counted from an event of the test rather than from the clock,
// so that a slow start on a loaded machine cannot use it up.
type expiring struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newExpiring() *expiring {
	return &expiring{Context: context.Background(), done: make(chan struct{})}
}

func (e *expiring) Done() <-chan struct{} { return e.done }

func (e *expiring) Err() error {
	select {
	case <-e.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (e *expiring) expire() { e.once.Do(func() { close(e.done) }) }

package sshtransport

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// blockedCommand is a command that prints "started" and its helper's
// process id, and then reads its input to its end, which comes once
// release is closed; started receives a value once it has printed. It
// ends only after all of its input was sent, so that it leaves its
// helper waiting for the next command (a command that ends before its
// input does leaves the helper to be closed).
func blockedCommand(release <-chan struct{}, started chan<- struct{}) transport.Command {
	return transport.Command{
		Script: `echo "started $PPID"; while read -r x; do :; done`,
		Stdin:  readerUntil(release),
		OnLine: func(_ transport.Stream, line string) {
			if strings.HasPrefix(line, "started ") {
				started <- struct{}{}
			}
		},
	}
}

// runAsync runs c on h in a goroutine and returns the channel its
// result and error arrive on.
func runAsync(ctx context.Context, h transport.Host, c transport.Command) <-chan runOutcome {
	done := make(chan runOutcome, 1)
	go func() {
		res, err := h.Run(ctx, c)
		done <- runOutcome{res, err}
	}()
	return done
}

// runOutcome is what Run returned.
type runOutcome struct {
	res transport.Result
	err error
}

// helperOf returns the helper's process id that the output of a
// blockedCommand, or of `echo "started $PPID"`, names.
func helperOf(t *testing.T, o runOutcome) string {
	t.Helper()
	if o.err != nil || !o.res.OK() {
		t.Fatalf("run: %v, exit %d, stderr %q", o.err, o.res.ExitCode, o.res.Stderr)
	}
	id, ok := strings.CutPrefix(strings.TrimSpace(string(o.res.Stdout)), "started ")
	if !ok {
		t.Fatalf("stdout %q, want started and a process id", o.res.Stdout)
	}
	return id
}

// gateStarts makes the helper starts of h wait, from now on, until their
// context ends, and returns a channel that receives a value as each
// begins and one that receives a value as each ends. It must be called
// while no start is under way.
func gateStarts(h transport.Host) (begun, ended <-chan struct{}) {
	b, e := make(chan struct{}, 100), make(chan struct{}, 100)
	hh := h.(*host)
	hh.pool.start = func(ctx context.Context) (*helper, error) {
		b <- struct{}{}
		defer func() { e <- struct{}{} }()
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return b, e
}

// poolState returns the helpers of h's pool that run a command or wait
// for one, its waiters, and its starts under way.
func poolState(h transport.Host) (live, waiters, starting int) {
	p := h.(*host).pool
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live, len(p.waiters), p.starting
}

// onlyHelperBusy returns a host in PersistentMode whose one helper runs a
// blockedCommand, whose outcome arrives on first once release is closed,
// and whose helper starts wait (see gateStarts).
func onlyHelperBusy(t *testing.T) (h transport.Host, release chan struct{}, first <-chan runOutcome, begun, ended <-chan struct{}) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	h = persistentHost(t, srv, "root")
	mustRunScript(t, h, "true")
	begun, ended = gateStarts(h)
	release = make(chan struct{})
	started := make(chan struct{}, 1)
	first = runAsync(context.Background(), h, blockedCommand(release, started))
	<-started
	return h, release, first, begun, ended
}

// TestPersistentLongCommandsRunAtOnce runs as many commands at once as
// the host allows, each waiting until all have started: no command
// waits for another's helper for good, and each gets a helper of its
// own.
func TestPersistentLongCommandsRunAtOnce(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewUser(t)
	h := persistentHost(t, srv, u.Name)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	release := make(chan struct{})
	started := make(chan struct{}, DefaultMaxSessions)
	var runs []<-chan runOutcome
	for range DefaultMaxSessions {
		runs = append(runs, runAsync(ctx, h, blockedCommand(release, started)))
	}
	for range DefaultMaxSessions {
		select {
		case <-started:
		case <-ctx.Done():
			t.Fatal("not every command started")
		}
	}
	close(release)
	helpers := map[string]bool{}
	for _, run := range runs {
		helpers[helperOf(t, <-run)] = true
	}
	if len(helpers) != DefaultMaxSessions {
		t.Fatalf("%d helpers ran %d commands at once, want one each", len(helpers), DefaultMaxSessions)
	}
}

// TestPersistentFreedHelperServesWaiter holds the only helper of a host
// with a command while another command waits and no start can end: the
// waiting command runs in that helper once it is freed.
func TestPersistentFreedHelperServesWaiter(t *testing.T) {
	h, release, first, begun, _ := onlyHelperBusy(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // fails rather than hangs when no helper comes
	defer cancel()
	second := runAsync(ctx, h, transport.Command{Script: `echo "started $PPID"`})
	<-begun // the second command waits, and a start was begun for it
	close(release)
	if a, b := helperOf(t, <-first), helperOf(t, <-second); a != b {
		t.Fatalf("the waiting command ran in helper %s, want the freed helper %s", b, a)
	}
	p := h.(*host).pool
	p.mu.Lock()
	handOffs := p.handOffs
	p.mu.Unlock()
	if handOffs != 1 {
		t.Fatalf("%d helpers handed from a command to a waiter, want 1", handOffs)
	}
}

// TestPersistentCancelledWaiter cancels a command while it waits for a
// helper: it fails with its context's error, leaves no waiter and no
// start behind, and the helper it waited for serves the next command.
func TestPersistentCancelledWaiter(t *testing.T) {
	h, release, first, begun, ended := onlyHelperBusy(t)
	ctx, cancel := context.WithCancel(context.Background())
	waiting := runAsync(ctx, h, transport.Command{Args: []string{"true"}})
	<-begun
	cancel()
	if o := <-waiting; !errors.Is(o.err, context.Canceled) || !strings.Contains(o.err.Error(), "waiting for a persistent helper") {
		t.Fatalf("the cancelled command: %v, want context.Canceled while waiting for a persistent helper", o.err)
	}
	<-ended // the start begun for it was cancelled, and is about to say so
	for _, _, starting := poolState(h); starting != 0; _, _, starting = poolState(h) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	helper := helperOf(t, <-first)
	next := mustRunScript(t, h, `echo "started $PPID"`)
	if got := helperOf(t, runOutcome{res: next}); got != helper {
		t.Fatalf("the next command ran in helper %s, want the idle helper %s", got, helper)
	}
	if live, waiters, starting := poolState(h); live != 1 || waiters != 0 || starting != 0 {
		t.Fatalf("%d helpers, %d waiters and %d starts under way, want 1 helper and none else", live, waiters, starting)
	}
}

// TestPersistentShortCommandsShareHelpers runs short commands, many at
// once: each runs, and no more helpers start than the host may run.
func TestPersistentShortCommandsShareHelpers(t *testing.T) {
	const workers, each = 2 * DefaultMaxSessions, 10
	srv := sshdtest.Start(t, sshdtest.Options{})
	h := persistentHost(t, srv, "root")
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for i := range workers {
		wg.Go(func() {
			for range each {
				res, err := h.Run(context.Background(), transport.Command{Args: []string{"true"}})
				if err == nil && !res.OK() {
					err = errors.New(string(res.Stderr))
				}
				if err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	p := h.(*host).pool
	p.mu.Lock()
	starts := p.starts
	p.mu.Unlock()
	if starts < 1 || starts > DefaultMaxSessions {
		t.Fatalf("%d helpers started for %d commands, want 1 to %d", starts, workers*each, DefaultMaxSessions)
	}
}

// TestPersistentCloseFailsWaiter closes a host while a command waits for
// a helper: the command fails with ErrClosed, and the start begun for it
// ends.
func TestPersistentCloseFailsWaiter(t *testing.T) {
	h, release, first, begun, ended := onlyHelperBusy(t)
	defer close(release)
	waiting := runAsync(context.Background(), h, transport.Command{Args: []string{"true"}})
	<-begun
	h.Close()
	if o := <-waiting; !errors.Is(o.err, transport.ErrClosed) {
		t.Fatalf("the waiting command: %v, want ErrClosed", o.err)
	}
	<-ended
	<-first
}

package sshtransport

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
)

// helperPool hands out the persistent helpers of a host. A command takes
// an idle helper when there is one. Otherwise it waits in a queue, oldest
// first, and is served by whichever comes first: a helper whose command
// ended (put hands it straight to the oldest waiter), or a helper whose
// start ended (it serves the oldest waiter too, and goes idle when none
// waits).
//
// A start costs a session, a login shell, perl and the helper's shell:
// far more than a short command, and CPU that the commands of every host
// share. Starts are begun in the background, for the queue rather than
// for one command. While the host has no helper, one is under way.
// Otherwise a waiter's wait counts from the later of when it queued and
// when the queue last moved (a freed helper served a waiter, or the host
// got a helper after having none), and starts are begun:
//
//   - for the oldest waiter, once it has waited as long as the host's
//     last start took;
//   - for every waiter that has waited twice that.
//
// While the busy helpers end commands more often than a start takes, the
// queue moves and no start is begun: commands run at once share the few
// helpers there are, each waiting for the commands queued before it
// rather than for a start, and the host runs no more helpers than it
// needs. When no helper is freed for as long as a start takes, one start
// is begun, which is all that a command slowed for a moment calls for;
// when none is freed for twice that, the commands running are long ones,
// and every command waiting gets a start: long commands all run at once,
// each about two starts' time later than a start of its own would have
// let it. Helpers and starts together never exceed max, the host's
// MaxSessions. A waiter whose context ends leaves the queue; when it was
// the last, the starts under way are cancelled.
type helperPool struct {
	max    int                                    // MaxSessions: bound on helpers and starts together
	start  func(context.Context) (*helper, error) // starts a helper (host.startHelper)
	errorf func(string, ...any) error             // names the host in an error (host.errorf)

	mu         sync.Mutex         // guards the fields below
	idle       []*helper          // helpers waiting for a command
	waiters    []*waiter          // commands waiting for a helper, oldest first
	live       int                // helpers running a command or idle
	starting   int                // starts under way
	startTook  time.Duration      // how long the last start took
	moved      time.Time          // when the queue last moved (see helperPool)
	startCtx   context.Context    // the context of the starts under way
	stopStarts context.CancelFunc // cancels startCtx
	hedge      *time.Timer        // runs plan when the next waiter falls due
	closed     bool
	// Counts, which tests read: helpers handed from an ended command to
	// a waiter, and starts begun.
	handOffs, starts int
}

// waiter is a command waiting for a helper.
type waiter struct {
	since time.Time
	got   chan takenHelper // receives one helper, or the error of a start
}

// takenHelper is what a waiter receives: a helper or why none came.
type takenHelper struct {
	hp  *helper
	err error
}

// newHelperPool returns a pool of at most max helpers, started by start,
// whose errors errorf makes.
func newHelperPool(max int, start func(context.Context) (*helper, error), errorf func(string, ...any) error) *helperPool {
	p := &helperPool{max: max, start: start, errorf: errorf}
	p.startCtx, p.stopStarts = context.WithCancel(context.Background())
	return p
}

// take returns an idle helper, or waits for one (see helperPool). It
// fails with what a start begun for it returned, with ErrClosed once
// the host is closed, or with ctx's error, leaving the queue.
func (p *helperPool) take(ctx context.Context) (*helper, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		hp := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if hp.alive() {
			p.mu.Unlock()
			return hp, nil
		}
		hp.Close()
		p.live--
	}
	if p.closed {
		p.mu.Unlock()
		return nil, p.errorf("%w", transport.ErrClosed)
	}
	w := &waiter{since: time.Now(), got: make(chan takenHelper, 1)}
	p.waiters = append(p.waiters, w)
	p.plan()
	p.mu.Unlock()
	select {
	case t := <-w.got:
		return t.hp, t.err
	case <-ctx.Done():
	}
	p.mu.Lock()
	left := p.leave(w)
	p.mu.Unlock()
	if !left { // served as ctx ended: the helper goes on to the next
		if t := <-w.got; t.hp != nil {
			p.put(t.hp)
		}
	}
	return nil, p.errorf("waiting for a persistent helper: %w", ctx.Err())
}

// leave takes w out of the queue and reports whether it was there; p.mu
// is held. The starts under way are cancelled when no waiter is left.
func (p *helperPool) leave(w *waiter) bool {
	for i, o := range p.waiters {
		if o == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			if len(p.waiters) == 0 && p.starting > 0 {
				p.stopStarts()
				p.startCtx, p.stopStarts = context.WithCancel(context.Background())
			}
			p.plan()
			return true
		}
	}
	return false
}

// put takes back hp once its command has ended: the oldest waiter gets
// it, or it goes idle; it is closed instead when its command did not
// leave it waiting for the next, or it has ended.
func (p *helperPool) put(hp *helper) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !hp.reusable.Load() || p.closed || !hp.alive() {
		hp.Close()
		p.live--
		p.plan()
		return
	}
	if p.serve(takenHelper{hp: hp}) {
		p.handOffs++
		p.moved = time.Now()
		return
	}
	p.idle = append(p.idle, hp)
}

// serve gives t to the oldest waiter, and reports whether one waited;
// p.mu is held.
func (p *helperPool) serve(t takenHelper) bool {
	if len(p.waiters) == 0 {
		return false
	}
	w := p.waiters[0]
	p.waiters = p.waiters[1:]
	w.got <- t
	p.plan()
	return true
}

// plan begins the starts the waiters are due (see helperPool), and sets
// the timer for the next waiter to fall due; p.mu is held.
func (p *helperPool) plan() {
	if p.hedge != nil {
		p.hedge.Stop()
		p.hedge = nil
	}
	if p.closed || len(p.waiters) == 0 {
		return
	}
	now := time.Now()
	due, next := 1, time.Time{} // while the host has no helper, one start
	if p.live > 0 {
		due = 0
		for i, w := range p.waiters { // oldest first: those due come first
			at := w.since
			if p.moved.After(at) {
				at = p.moved
			}
			wait := 2 * p.startTook
			if i == 0 {
				wait = p.startTook
			}
			if at = at.Add(wait); at.After(now) {
				next = at
				break
			}
			due++
		}
	}
	for p.starting < min(due, len(p.waiters)) && p.live+p.starting < p.max {
		p.starting++
		p.starts++
		go p.startOne(p.startCtx)
	}
	if !next.IsZero() {
		p.hedge = time.AfterFunc(next.Sub(now), p.replan)
	}
}

// replan runs plan once a waiter may have fallen due.
func (p *helperPool) replan() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plan()
}

// startOne starts a helper and serves the oldest waiter with it, or with
// the start's error (every waiter when no helper can run on the host);
// the helper goes idle when no one waits. A start cancelled by ctx serves
// no one.
func (p *helperPool) startOne(ctx context.Context) {
	began := time.Now()
	hp, err := p.start(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starting--
	switch {
	case err == nil && p.closed:
		hp.Close()
	case err == nil:
		p.startTook = time.Since(began)
		if p.live == 0 {
			p.moved = time.Now()
		}
		p.live++
		if !p.serve(takenHelper{hp: hp}) {
			p.idle = append(p.idle, hp)
		}
	case ctx.Err() != nil:
		p.plan() // cancelled as its waiters left: later ones get starts of their own
	case errors.Is(err, errNoHelper):
		for len(p.waiters) > 0 {
			p.serve(takenHelper{err: err})
		}
	default:
		p.serve(takenHelper{err: err})
	}
}

// drop closes the idle helpers, freeing their sessions.
func (p *helperPool) drop() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.live -= len(idle)
	p.mu.Unlock()
	for _, hp := range idle {
		hp.Close()
	}
}

// close closes the idle helpers, cancels the starts under way and fails
// the waiters; helpers put back later are closed.
func (p *helperPool) close() {
	p.mu.Lock()
	p.closed = true
	p.stopStarts()
	for len(p.waiters) > 0 {
		p.serve(takenHelper{err: p.errorf("%w", transport.ErrClosed)})
	}
	p.plan()
	p.mu.Unlock()
	p.drop()
}

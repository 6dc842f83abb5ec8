// Package dialgate paces the connection set-ups of a run: it bounds how
// many run at once, and retries, after a pause that grows and is jittered,
// those a server refused because it had too many connections not yet
// authenticated (OpenSSH's MaxStartups). A host is never failed only
// because many handshakes were opened at once: a refusal narrows the
// window of set-ups allowed at once, and each success widens it again, up
// to the bound, so that the run adapts to what its servers accept.
//
// It counts set-ups, retries and when the last set-up ended, so that a
// run can report them.
package dialgate

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// DefaultLimit is the bound on set-ups at once that New uses for a limit
// of zero or less.
const DefaultLimit = 128

// Pauses before a refused set-up is tried again: the first, doubled after
// each refusal up to the last, each jittered down to half its length; a
// set-up refused maxRetries times in a row fails with its last error.
const (
	firstPause = 25 * time.Millisecond
	lastPause  = 2 * time.Second
	maxRetries = 30
)

// minWindow is the narrowest the window of set-ups at once becomes.
const minWindow = 2

// Gate paces set-ups. Its methods are safe for concurrent use; a nil
// *Gate runs every set-up at once, once.
type Gate struct {
	limit int

	mu      sync.Mutex
	room    sync.Cond // signalled when a set-up ends or the window widens
	window  int       // set-ups allowed at once, at most limit
	running int
	stats   Stats
	start   time.Time
}

// Stats counts what a gate did.
type Stats struct {
	// SetUps counts the set-ups that succeeded, Failed those that
	// failed, and Retries the set-ups tried again after a refusal.
	SetUps, Failed, Retries int
	// Peak is the most set-ups that ran at once.
	Peak int
	// Done is how long after the gate was made the last set-up that
	// succeeded ended: the time until every host reached had its
	// connection.
	Done time.Duration
}

// New returns a gate allowing at most limit set-ups at once (DefaultLimit
// when limit is zero or less).
func New(limit int) *Gate {
	if limit <= 0 {
		limit = DefaultLimit
	}
	g := &Gate{limit: limit, window: limit, start: time.Now()}
	g.room.L = &g.mu
	return g
}

// Do runs setUp once there is room, and again after a pause each time it
// fails with an error refused reports as a server's refusal, until it
// succeeds, fails otherwise, was refused too often, or ctx ends.
func (g *Gate) Do(ctx context.Context, setUp func() error, refused func(error) bool) error {
	if g == nil {
		return setUp()
	}
	pause := firstPause
	for retries := 0; ; retries++ {
		if err := g.enter(ctx); err != nil {
			return err
		}
		err := setUp()
		refusal := err != nil && refused(err)
		g.leave(err, refusal)
		if !refusal {
			return err
		}
		if retries == maxRetries {
			g.mu.Lock()
			g.stats.Failed++
			g.mu.Unlock()
			return err
		}
		g.mu.Lock()
		g.stats.Retries++
		g.mu.Unlock()
		t := time.NewTimer(pause/2 + rand.N(pause/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		pause = min(2*pause, lastPause)
	}
}

// enter waits for room in the window, or for ctx to end.
func (g *Gate) enter(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		g.mu.Lock()
		g.room.Broadcast()
		g.mu.Unlock()
	})
	defer stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.running >= g.window {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		g.room.Wait()
	}
	g.running++
	g.stats.Peak = max(g.stats.Peak, g.running)
	return nil
}

// leave ends a set-up that returned err: a refusal halves the window, a
// success widens it by one.
func (g *Gate) leave(err error, refusal bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	switch {
	case refusal:
		g.window = max(g.window/2, min(minWindow, g.limit))
	case err != nil:
		g.stats.Failed++
	default:
		g.stats.SetUps++
		g.stats.Done = time.Since(g.start)
		g.window = min(g.window+1, g.limit)
	}
	g.room.Broadcast()
}

// Stats returns what the gate did so far.
func (g *Gate) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

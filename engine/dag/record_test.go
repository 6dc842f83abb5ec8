package dag

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// recorder records what a walk did to each node, with a sequence number for
// every visit start and every report.
type recorder struct {
	mu       sync.Mutex
	seq      int
	started  []int // sequence number of the visit start; -1 if never visited
	returned []Outcome
	reported []int // sequence number of the report; -1 if never reported
	outcome  []Outcome
	cause    []int
	reports  []int        // number of report calls
	active   atomic.Int32 // report calls in progress
	overlap  atomic.Bool  // report was entered while another report ran
}

func newRecorder(n int) *recorder {
	r := &recorder{
		started:  make([]int, n),
		returned: make([]Outcome, n),
		reported: make([]int, n),
		outcome:  make([]Outcome, n),
		cause:    make([]int, n),
		reports:  make([]int, n),
	}
	for i := range n {
		r.started[i], r.reported[i], r.cause[i] = -1, -1, -2
	}
	return r
}

// visitor returns a visit function that records the start and then returns
// what f returns.
func (r *recorder) visitor(f func(ctx context.Context, node int) Outcome) func(context.Context, int) Outcome {
	return func(ctx context.Context, node int) Outcome {
		r.mu.Lock()
		r.started[node] = r.seq
		r.seq++
		r.mu.Unlock()
		o := f(ctx, node)
		r.mu.Lock()
		r.returned[node] = o
		r.mu.Unlock()
		return o
	}
}

// report is a report function for Walk.
func (r *recorder) report(node int, o Outcome, cause int) {
	if r.active.Add(1) > 1 {
		r.overlap.Store(true)
	}
	defer r.active.Add(-1)
	r.mu.Lock()
	r.reported[node] = r.seq
	r.seq++
	r.outcome[node], r.cause[node] = o, cause
	r.reports[node]++
	r.mu.Unlock()
}

// check verifies the invariants every walk must keep: each node is
// reported once; a visited node started after every dependency was
// reported Done (or Skipped without propagation); an unvisited node is
// Skipped or Cancelled, caused by a dependency whose outcome explains it or
// by -1 for Cancelled.
func (r *recorder) check(t *testing.T, g *Graph, opts WalkOptions) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.overlap.Load() {
		t.Errorf("report calls overlapped")
	}
	for v := range g.Len() {
		if r.reports[v] != 1 {
			t.Errorf("node %d reported %d times, want once", v, r.reports[v])
			continue
		}
		if r.started[v] >= 0 {
			r.checkVisited(t, g, opts, v)
		} else {
			r.checkUnvisited(t, g, opts, v)
		}
		r.checkWaits(t, g, v)
	}
}

// checkWaits verifies that node v started, or was skipped, only after
// every node it waits for was reported; a node cancelled may be reported
// at once.
func (r *recorder) checkWaits(t *testing.T, g *Graph, v int) {
	t.Helper()
	at := r.started[v]
	if at < 0 {
		if r.outcome[v] == Cancelled {
			return
		}
		at = r.reported[v]
	}
	for _, p := range g.Waits(v) {
		if r.reported[p] < 0 || r.reported[p] > at {
			t.Errorf("node %d (%v) went on at %d before node %d it waits for was reported at %d", v, r.outcome[v], at, p, r.reported[p])
		}
	}
}

func (r *recorder) checkVisited(t *testing.T, g *Graph, opts WalkOptions, v int) {
	t.Helper()
	want := r.returned[v]
	if want < Done || want > Cancelled {
		want = Failed
	}
	if r.outcome[v] != want || r.cause[v] != -1 {
		t.Errorf("visited node %d reported (%v, %d), want (%v, -1)", v, r.outcome[v], r.cause[v], want)
	}
	for _, d := range g.Dependencies(v) {
		ok := r.outcome[d] == Done || r.outcome[d] == Skipped && r.started[d] >= 0 && !opts.SkipPropagates
		if !ok || r.reported[d] > r.started[v] {
			t.Errorf("node %d started at %d, but dependency %d was %v at %d", v, r.started[v], d, r.outcome[d], r.reported[d])
		}
	}
}

func (r *recorder) checkUnvisited(t *testing.T, g *Graph, opts WalkOptions, v int) {
	t.Helper()
	o, c := r.outcome[v], r.cause[v]
	if c == -1 {
		if o != Cancelled {
			t.Errorf("unvisited node %d reported %v without cause, want cancelled", v, o)
		}
		return
	}
	if c < 0 || c >= g.Len() {
		t.Errorf("node %d reported %v with cause %d", v, o, c)
		return
	}
	want := Skipped
	switch {
	case r.outcome[c] == Cancelled:
		want = Cancelled
	case r.outcome[c] == Done, r.outcome[c] == Skipped && r.started[c] >= 0 && !opts.SkipPropagates:
		t.Errorf("node %d reported %v caused by %d, which was %v", v, o, c, r.outcome[c])
	}
	if o != want || r.reported[c] > r.reported[v] || !slices.Contains(g.Dependencies(v), c) {
		t.Errorf("node %d reported (%v, %d) at %d; cause reported %v at %d", v, o, c, r.reported[v], r.outcome[c], r.reported[c])
	}
}

// done is a visit body that succeeds at once.
func done(context.Context, int) Outcome { return Done }

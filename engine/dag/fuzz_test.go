package dag

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
)

// fuzzCase is a graph, walk options and visit outcomes decoded from bytes.
type fuzzCase struct {
	g        *Graph
	opts     WalkOptions
	groups   int
	outcomes []Outcome
	cancelAt int32 // the visit number that cancels the walk's context; 0 = none
}

// decodeFuzzCase reads a header of three bytes (node count; flags and
// parallel limit; groups, per-group limit and cancel point), one outcome
// byte per node, then pairs of bytes as edges: a wait edge when the first
// byte's high bit is set.
func decodeFuzzCase(data []byte) fuzzCase {
	var h [3]byte
	copy(h[:], data)
	data = data[min(len(data), 3):]
	n := int(h[0] % 48)
	c := fuzzCase{
		g:      New(n),
		groups: int(h[2] % 4),
		opts: WalkOptions{
			FailFast:       h[1]&1 != 0,
			SkipPropagates: h[1]&2 != 0,
			Parallel:       int(h[1]>>4) % 5,
			PerGroup:       int(h[2]>>2) % 3,
		},
		outcomes: make([]Outcome, n),
	}
	if h[1]&8 != 0 {
		c.cancelAt = int32(h[2]>>4) + 1
	}
	if c.groups > 0 {
		c.opts.Group = func(v int) int { return v % c.groups * 10 }
	}
	if c.groups > 1 {
		c.opts.Also = func(v int) []int {
			held := c.held(v)[1:]
			for i := range held {
				held[i] *= 10
			}
			return held
		}
	}
	for v := range n {
		if v < len(data) {
			c.outcomes[v] = Outcome(data[v] % 8) // 4..6 become Done, 7 is invalid
			if c.outcomes[v] > Cancelled && c.outcomes[v] < 7 {
				c.outcomes[v] = Done
			}
		}
	}
	data = data[min(len(data), n):]
	cyclic := h[1]&4 != 0
	for i := 0; n > 0 && i+1 < len(data); i += 2 {
		from, to := int(data[i]&0x7f)%n, int(data[i+1])%n
		if !cyclic {
			if from == to {
				continue
			}
			from, to = max(from, to), min(from, to)
		}
		if data[i]&0x80 != 0 {
			c.g.AddWaitEdge(from, to)
		} else {
			c.g.AddEdge(from, to)
		}
	}
	return c
}

// held returns the groups, numbered 0..groups-1, that node v holds while
// it runs: its own, then, for every third node when there are several
// groups, the next one too (WalkOptions.Also).
func (c fuzzCase) held(v int) []int {
	groups := max(c.groups, 1)
	held := []int{v % groups}
	if c.groups > 1 && v%3 == 0 {
		held = append(held, (v+1)%groups)
	}
	return held
}

func FuzzWalk(f *testing.F) {
	f.Add([]byte{6, 0x20, 0x05, 0, 1, 0, 0, 2, 0, 1, 0, 2, 0, 3, 1, 4, 2, 5, 3})
	f.Add([]byte{8, 0x31, 0x06, 0, 0, 1, 0, 3, 0, 2, 0, 1, 0, 2, 1, 3, 2, 4, 3, 7, 5})
	f.Add([]byte{8, 0x0a, 0x35, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 1, 5, 4})
	f.Add([]byte{5, 0x04, 0, 0, 0, 0, 0, 0, 1, 2, 2, 1, 3, 3, 4, 0})
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{6, 0x10, 0, 0, 1, 0, 0, 0, 0, 2, 1, 0x83, 0, 3, 2, 0x84, 3, 5, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := decodeFuzzCase(data)
		cycles := c.g.Cycles()
		checkCycles(t, c.g, cycles)
		order, err := c.g.TopoOrder()
		if (len(cycles) > 0) != errors.Is(err, ErrCycle) {
			t.Fatalf("Cycles = %v but TopoOrder error = %v", cycles, err)
		}
		if err != nil {
			walkErr := c.g.Walk(context.Background(), c.opts, func(context.Context, int) Outcome {
				t.Fatal("visit called on a cyclic graph")
				return Done
			}, func(int, Outcome, int) { t.Fatal("report called on a cyclic graph") })
			if !errors.Is(walkErr, ErrCycle) {
				t.Fatalf("Walk on a cyclic graph = %v", walkErr)
			}
			return
		}
		checkOrder(t, c.g, order)
		checkWalk(t, c)
	})
}

// checkCycles verifies that every cycle is a real loop, of edges or wait
// edges, starting at its smallest node and that the list is sorted.
func checkCycles(t *testing.T, g *Graph, cycles [][]int) {
	t.Helper()
	for i, c := range cycles {
		if len(c) == 0 || slices.Min(c) != c[0] || len(slices.Compact(slices.Sorted(slices.Values(c)))) != len(c) {
			t.Fatalf("malformed cycle %v", c)
		}
		for j, v := range c {
			if next := c[(j+1)%len(c)]; !slices.Contains(g.Dependencies(v), next) && !slices.Contains(g.Waits(v), next) {
				t.Fatalf("cycle %v: %d does not depend on %d", c, v, c[(j+1)%len(c)])
			}
		}
		if i > 0 && slices.Compare(cycles[i-1], c) >= 0 {
			t.Fatalf("cycles not sorted: %v", cycles)
		}
	}
}

// checkOrder verifies that order is a permutation in which every node
// follows its dependencies.
func checkOrder(t *testing.T, g *Graph, order []int) {
	t.Helper()
	pos := make([]int, g.Len())
	for i := range pos {
		pos[i] = -1
	}
	for i, v := range order {
		if pos[v] >= 0 {
			t.Fatalf("node %d twice in %v", v, order)
		}
		pos[v] = i
	}
	for v := range g.Len() {
		if pos[v] < 0 {
			t.Fatalf("node %d missing from %v", v, order)
		}
		for _, d := range g.Dependencies(v) {
			if pos[d] > pos[v] {
				t.Fatalf("node %d before its dependency %d in %v", v, d, order)
			}
		}
	}
}

// checkWalk walks the fuzz case, checking the invariants of every walk and
// that the limits hold.
func checkWalk(t *testing.T, c fuzzCase) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var visits, running, peak atomic.Int32
	perRunning := make([]atomic.Int32, max(c.groups, 1))
	perPeak := make([]atomic.Int32, len(perRunning))
	visit := func(_ context.Context, v int) Outcome {
		raise(&peak, running.Add(1))
		for _, gi := range c.held(v) {
			raise(&perPeak[gi], perRunning[gi].Add(1))
		}
		if visits.Add(1) == c.cancelAt {
			cancel()
		}
		for _, gi := range c.held(v) {
			perRunning[gi].Add(-1)
		}
		running.Add(-1)
		return c.outcomes[v]
	}
	r := newRecorder(c.g.Len())
	err := c.g.Walk(ctx, c.opts, r.visitor(visit), r.report)
	if err != nil && (c.cancelAt == 0 || !errors.Is(err, context.Canceled)) {
		t.Fatalf("Walk = %v", err)
	}
	r.check(t, c.g, c.opts)
	if c.opts.Parallel > 0 && int(peak.Load()) > c.opts.Parallel {
		t.Fatalf("peak %d over Parallel %d", peak.Load(), c.opts.Parallel)
	}
	for gi := range perPeak {
		if c.groups > 0 && c.opts.PerGroup > 0 && int(perPeak[gi].Load()) > c.opts.PerGroup {
			t.Fatalf("group %d peak %d over PerGroup %d", gi, perPeak[gi].Load(), c.opts.PerGroup)
		}
	}
	if c.cancelAt == 0 && !c.opts.FailFast {
		for v := range c.g.Len() {
			if r.started[v] < 0 && r.cause[v] == -1 {
				t.Fatalf("node %d cancelled although nothing stopped the walk", v)
			}
		}
	}
}

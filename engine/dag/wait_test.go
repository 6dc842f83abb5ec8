package dag

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
)

// TestWaitEdges walks two batches: nodes 2 and 3 wait for nodes 0 and 1,
// and node 4 depends on node 0, which fails. The waiting nodes start
// after both earlier ones ended, failure or not, and are not skipped;
// only the dependent is.
func TestWaitEdges(t *testing.T) {
	g := New(5)
	for _, later := range []int{2, 3} {
		g.AddWaitEdge(later, 0)
		g.AddWaitEdge(later, 1)
	}
	g.AddEdge(4, 0)
	g.AddWaitEdge(4, 0) // beside an edge: ignored
	if got := g.Dependencies(2); len(got) != 0 {
		t.Errorf("Dependencies(2) = %v, want none", got)
	}
	if got := g.Waits(2); !slices.Equal(got, []int{0, 1}) {
		t.Errorf("Waits(2) = %v", got)
	}
	if got := g.Waits(4); len(got) != 0 {
		t.Errorf("Waits(4) = %v, want none beside its edge", got)
	}
	var mu sync.Mutex
	var order []int
	outcomes := make([]Outcome, 5)
	visit := func(_ context.Context, v int) Outcome {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, v)
		if v == 0 {
			return Failed
		}
		return Done
	}
	report := func(v int, o Outcome, _ int) { outcomes[v] = o }
	if err := g.Walk(context.Background(), WalkOptions{}, visit, report); err != nil {
		t.Fatal(err)
	}
	if want := []Outcome{Failed, Done, Done, Done, Skipped}; !slices.Equal(outcomes, want) {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
	for _, later := range []int{2, 3} {
		if i := slices.Index(order, later); i < 0 || i < slices.Index(order, 0) || i < slices.Index(order, 1) {
			t.Errorf("node %d visited out of order: %v", later, order)
		}
	}
}

// TestWaitEdgeHoldsSkips walks three batches where the second is skipped
// at once, by a dependency that fails before the first batch ends: node 0
// (batch 1) runs until released; node 2 (batch 2) waits for it and
// depends on node 1, which fails at once; node 3 (batch 3) waits for node
// 2. Node 2 is reported skipped only once node 0 has ended, so node 3
// cannot start while node 0 runs.
func TestWaitEdgeHoldsSkips(t *testing.T) {
	g := New(4)
	g.AddWaitEdge(2, 0)
	g.AddEdge(2, 1)
	g.AddWaitEdge(3, 2)
	release := make(chan struct{})
	r := newRecorder(4)
	visit := r.visitor(func(_ context.Context, v int) Outcome {
		switch v {
		case 0:
			<-release
		case 1:
			close(release) // node 0 ends only after node 1 has failed
			return Failed
		}
		return Done
	})
	if err := g.Walk(context.Background(), WalkOptions{}, visit, r.report); err != nil {
		t.Fatal(err)
	}
	r.check(t, g, WalkOptions{})
	if r.outcome[2] != Skipped || r.cause[2] != 1 || r.outcome[3] != Done {
		t.Errorf("node 2 %v (cause %d), node 3 %v; want skipped by 1, done", r.outcome[2], r.cause[2], r.outcome[3])
	}
	if r.reported[2] < r.reported[0] || r.started[3] < r.reported[0] {
		t.Errorf("node 2 reported at %d and node 3 started at %d, before node 0 ended at %d", r.reported[2], r.started[3], r.reported[0])
	}
}

// TestWaitEdgeCycle finds a loop closed by a wait edge.
func TestWaitEdgeCycle(t *testing.T) {
	g := New(3)
	g.AddEdge(0, 1)
	g.AddWaitEdge(1, 2)
	g.AddEdge(2, 0)
	if _, err := g.TopoOrder(); !errors.Is(err, ErrCycle) {
		t.Fatalf("TopoOrder: %v", err)
	}
	if got := g.Cycles(); len(got) != 1 || !slices.Equal(got[0], []int{0, 1, 2}) {
		t.Errorf("Cycles() = %v", got)
	}
}

// TestWaitEdgeAfterStop stops a walk while the earlier node runs: the
// node that waits for it is cancelled, not started.
func TestWaitEdgeAfterStop(t *testing.T) {
	g := New(2)
	g.AddWaitEdge(1, 0)
	stop := make(chan struct{})
	outcomes := make([]Outcome, 2)
	visited := make([]bool, 2)
	visit := func(_ context.Context, v int) Outcome {
		visited[v] = true
		close(stop)
		return Done
	}
	report := func(v int, o Outcome, _ int) { outcomes[v] = o }
	if err := g.Walk(context.Background(), WalkOptions{Stop: stop}, visit, report); err != nil {
		t.Fatal(err)
	}
	if visited[1] || outcomes[1] != Cancelled {
		t.Errorf("the waiting node: visited %v, %v", visited[1], outcomes[1])
	}
}

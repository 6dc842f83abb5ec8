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

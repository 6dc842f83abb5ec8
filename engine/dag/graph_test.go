package dag

import (
	"errors"
	"slices"
	"testing"
)

// build returns a graph of n nodes with the given edges, each {from, to}.
func build(n int, edges ...[2]int) *Graph {
	g := New(n)
	for _, e := range edges {
		g.AddEdge(e[0], e[1])
	}
	return g
}

func TestDependenciesSortedAndDeduplicated(t *testing.T) {
	g := build(5, [2]int{0, 3}, [2]int{0, 1}, [2]int{0, 3}, [2]int{4, 3}, [2]int{2, 3})
	if got, want := g.Dependencies(0), []int{1, 3}; !slices.Equal(got, want) {
		t.Errorf("Dependencies(0) = %v, want %v", got, want)
	}
	if got, want := g.Dependents(3), []int{0, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("Dependents(3) = %v, want %v", got, want)
	}
	if got := g.Dependencies(3); len(got) != 0 {
		t.Errorf("Dependencies(3) = %v, want none", got)
	}
	g.AddEdge(3, 2)
	if got, want := g.Dependencies(3), []int{2}; !slices.Equal(got, want) {
		t.Errorf("after AddEdge, Dependencies(3) = %v, want %v", got, want)
	}
	if g.Len() != 5 {
		t.Errorf("Len() = %d, want 5", g.Len())
	}
}

func TestTopoOrder(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		edges [][2]int
		want  []int
	}{
		{"empty", 0, nil, []int{}},
		{"independent", 3, nil, []int{0, 1, 2}},
		{"chain", 3, [][2]int{{0, 1}, {1, 2}}, []int{2, 1, 0}},
		{"diamond", 4, [][2]int{{3, 1}, {3, 2}, {1, 0}, {2, 0}}, []int{0, 1, 2, 3}},
		{"smallest ready first", 5, [][2]int{{0, 4}, {1, 3}}, []int{2, 3, 1, 4, 0}},
		{"duplicate edges", 2, [][2]int{{0, 1}, {0, 1}}, []int{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := build(tt.n, tt.edges...).TopoOrder()
			if err != nil {
				t.Fatalf("TopoOrder: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("TopoOrder = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCycles(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		edges   [][2]int
		want    [][]int
		wantErr string
	}{
		{"acyclic", 3, [][2]int{{0, 1}, {1, 2}, {0, 2}}, nil, ""},
		{"self loop", 4, [][2]int{{1, 0}, {3, 3}}, [][]int{{3}}, "dependency cycle: 3 -> 3"},
		{"two-cycle", 3, [][2]int{{2, 1}, {1, 2}}, [][]int{{1, 2}}, "dependency cycle: 1 -> 2 -> 1"},
		{
			"two separate cycles", 6,
			[][2]int{{5, 4}, {4, 5}, {0, 3}, {3, 1}, {1, 0}},
			[][]int{{0, 3, 1}, {4, 5}},
			"dependency cycle: 0 -> 3 -> 1 -> 0; 4 -> 5 -> 4",
		},
		{
			"cycle reachable from a dag", 6,
			[][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 2}, {5, 0}},
			[][]int{{2, 3, 4}},
			"dependency cycle: 2 -> 3 -> 4 -> 2",
		},
		{
			"shortest loop through smallest node", 5,
			[][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 0}, {1, 0}, {3, 4}, {4, 3}},
			[][]int{{0, 1}},
			"dependency cycle: 0 -> 1 -> 0",
		},
		{
			"self loop inside larger component", 3,
			[][2]int{{1, 1}, {1, 2}, {2, 1}},
			[][]int{{1}},
			"dependency cycle: 1 -> 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := build(tt.n, tt.edges...)
			got := g.Cycles()
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("Cycles = %v, want %v", got, tt.want)
			}
			order, err := g.TopoOrder()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("TopoOrder: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrCycle) || err.Error() != tt.wantErr || order != nil {
				t.Errorf("TopoOrder = %v, %v; want nil, %q wrapping ErrCycle", order, err, tt.wantErr)
			}
		})
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{Done: "done", Failed: "failed", Skipped: "skipped", Cancelled: "cancelled", 7: "Outcome(7)"} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), got, want)
		}
	}
}

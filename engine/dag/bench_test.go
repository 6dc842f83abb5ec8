package dag

import (
	"context"
	"testing"
)

// BenchmarkWalk10000 measures the scheduler's own cost per node: 10,000
// no-op visits over 100 groups, with the default limits of a run (64 at
// once, 8 per group).
func BenchmarkWalk10000(b *testing.B) {
	const n, groups = 10000, 100
	chains := New(n) // node v is in group v%groups and depends on v-groups
	for v := groups; v < n; v++ {
		chains.AddEdge(v, v-groups)
	}
	for _, bc := range []struct {
		name string
		g    *Graph
	}{{"chains", chains}, {"independent", New(n)}} {
		b.Run(bc.name, func(b *testing.B) {
			opts := WalkOptions{Parallel: 64, PerGroup: 8, Group: func(v int) int { return v % groups }}
			report := func(int, Outcome, int) {}
			bc.g.prepare()
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.g.Walk(context.Background(), opts, done, report); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/node")
		})
	}
}

// BenchmarkCycles measures cycle detection on an acyclic graph of 100,000
// edges, where every node and edge must be examined.
func BenchmarkCycles(b *testing.B) {
	const edges = 100000
	offsets := []int{1, 7, 49, 343, 2401}
	var pairs [][2]int
	for v := 0; len(pairs) < edges; v++ {
		for _, o := range offsets {
			if v >= o && len(pairs) < edges {
				pairs = append(pairs, [2]int{v, v - o})
			}
		}
	}
	g := build(pairs[len(pairs)-1][0]+1, pairs...)
	_ = g.Cycles()
	b.ReportAllocs()
	for b.Loop() {
		if c := g.Cycles(); c != nil {
			b.Fatalf("cycles in a dag: %v", c[:1])
		}
	}
}

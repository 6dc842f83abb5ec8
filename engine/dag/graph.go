package dag

import (
	"fmt"
	"math"
	"slices"
	"sync"
)

// Graph is a directed graph over the nodes 0..Len()-1 in which an edge from
// a to b means that a depends on b, so b runs first.
//
// Build a Graph with New and AddEdge. AddEdge must not run concurrently with
// any other method; once the graph is built, all other methods, Walk
// included, are safe for concurrent use.
type Graph struct {
	deps       [][]int32 // deps[n]: the nodes n depends on
	dependents [][]int32 // dependents[n]: the nodes that depend on n
	waits      [][]int32 // waits[n]: the nodes n waits for without depending on them; nil without wait edges
	waiters    [][]int32 // waiters[n]: the nodes that wait for n
	after      [][]int32 // after[n]: deps[n] and waits[n], the nodes that come before n; deps itself without wait edges

	mu    sync.Mutex
	dirty bool    // adjacency lists may be unsorted or hold duplicates
	order []int32 // stable topological order; shorter than Len() when cyclic
}

// New returns a graph of n nodes, numbered 0..n-1, without edges. It panics
// if n is negative or does not fit in 32 bits.
func New(n int) *Graph {
	if n < 0 || n > math.MaxInt32 {
		panic(fmt.Sprintf("dag: invalid node count %d", n))
	}
	return &Graph{
		deps:       make([][]int32, n),
		dependents: make([][]int32, n),
		dirty:      true,
	}
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.deps) }

// AddEdge records that node from depends on node to, so to runs first.
// Duplicate edges are ignored; an edge from a node to itself is a cycle. It
// panics if either node is out of range.
func (g *Graph) AddEdge(from, to int) {
	g.check(from)
	g.check(to)
	g.deps[from] = append(g.deps[from], int32(to))
	g.dependents[to] = append(g.dependents[to], int32(from))
	g.dirty = true
}

// AddWaitEdge records that node from waits for node to: from starts only
// once to has ended, whatever its outcome, but does not depend on it, so
// that to failing or being skipped does not skip from. A wait edge
// carries nothing from to to from; it orders them, as the batches of a
// rolling update are ordered. A wait edge beside an edge between the same
// nodes is ignored; an edge from a node to itself is a cycle. It panics
// if either node is out of range.
func (g *Graph) AddWaitEdge(from, to int) {
	g.check(from)
	g.check(to)
	if g.waits == nil {
		g.waits = make([][]int32, len(g.deps))
		g.waiters = make([][]int32, len(g.deps))
	}
	g.waits[from] = append(g.waits[from], int32(to))
	g.waiters[to] = append(g.waiters[to], int32(from))
	g.dirty = true
}

// Waits returns the nodes that n waits for through wait edges, sorted. It
// panics if n is out of range.
func (g *Graph) Waits(n int) []int {
	g.check(n)
	g.prepare()
	if g.waits == nil {
		return nil
	}
	return ints(g.waits[n])
}

// Dependencies returns the nodes that n depends on, sorted. It panics if n
// is out of range.
func (g *Graph) Dependencies(n int) []int {
	g.check(n)
	g.prepare()
	return ints(g.deps[n])
}

// Dependents returns the nodes that depend on n, sorted. It panics if n is
// out of range.
func (g *Graph) Dependents(n int) []int {
	g.check(n)
	g.prepare()
	return ints(g.dependents[n])
}

// check panics if n is not a node of g.
func (g *Graph) check(n int) {
	if n < 0 || n >= len(g.deps) {
		panic(fmt.Sprintf("dag: node %d out of range [0, %d)", n, len(g.deps)))
	}
}

// prepare sorts and deduplicates the adjacency lists and computes the stable
// topological order, once after the last AddEdge.
func (g *Graph) prepare() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.dirty {
		return
	}
	for i := range g.deps {
		g.deps[i] = sortedSet(g.deps[i])
		g.dependents[i] = sortedSet(g.dependents[i])
	}
	g.after = g.deps
	if g.waits != nil {
		g.after = make([][]int32, len(g.deps))
		for i := range g.waits {
			g.waits[i] = slices.DeleteFunc(sortedSet(g.waits[i]), func(to int32) bool { return contains(g.deps[i], to) })
			g.waiters[i] = slices.DeleteFunc(sortedSet(g.waiters[i]), func(from int32) bool { return contains(g.deps[from], int32(i)) })
			g.after[i] = sortedSet(append(slices.Clone(g.deps[i]), g.waits[i]...))
		}
	}
	g.order = g.kahn()
	g.dirty = false
}

// kahn returns the nodes in topological order, the smallest ready node
// first; when the graph is cyclic the nodes on or behind a cycle are missing.
func (g *Graph) kahn() []int32 {
	n := len(g.deps)
	indeg := make([]int32, n)
	var ready minHeap
	for i, d := range g.after {
		indeg[i] = int32(len(d))
		if indeg[i] == 0 {
			ready = append(ready, int32(i)) // ascending, so already a heap
		}
	}
	order := make([]int32, 0, n)
	release := func(d int32) {
		indeg[d]--
		if indeg[d] == 0 {
			ready.push(d)
		}
	}
	for len(ready) > 0 {
		v := ready.pop()
		order = append(order, v)
		for _, d := range g.dependents[v] {
			release(d)
		}
		if g.waiters != nil {
			for _, d := range g.waiters[v] {
				release(d)
			}
		}
	}
	return order
}

// sortedSet sorts s in place and removes duplicates.
func sortedSet(s []int32) []int32 {
	slices.Sort(s)
	return slices.Clip(slices.Compact(s))
}

// contains reports whether the sorted set s holds v.
func contains(s []int32, v int32) bool {
	_, ok := slices.BinarySearch(s, v)
	return ok
}

// ints converts node numbers to a new []int.
func ints(s []int32) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

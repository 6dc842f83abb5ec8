package dag

import (
	"errors"
	"fmt"
	"strings"
)

// ErrCycle is the error TopoOrder and Walk wrap when the graph has a cycle.
var ErrCycle = errors.New("dependency cycle")

// TopoOrder returns every node in an order where each node comes after all
// of its dependencies. The order is stable: among the nodes whose
// dependencies are all placed, the smallest comes first. When the graph has
// a cycle it returns an error wrapping ErrCycle that lists the loops found
// by Cycles.
func (g *Graph) TopoOrder() ([]int, error) {
	g.prepare()
	if len(g.order) < len(g.deps) {
		return nil, g.cycleError()
	}
	return ints(g.order), nil
}

// cycleError returns ErrCycle wrapped with the loops of g, such as
// "dependency cycle: 1 -> 2 -> 1; 4 -> 4".
func (g *Graph) cycleError() error {
	var b strings.Builder
	for i, c := range g.Cycles() {
		if i > 0 {
			b.WriteString("; ")
		}
		for _, v := range c {
			fmt.Fprintf(&b, "%d -> ", v)
		}
		fmt.Fprintf(&b, "%d", c[0])
	}
	return fmt.Errorf("%w: %s", ErrCycle, b.String())
}

// Cycles returns at least one loop for every strongly connected component
// that has one: a single node with an edge to itself, or a group of nodes
// that all reach each other. Each loop is a list of nodes in which every
// node depends on the next and the last depends on the first; it starts at
// the smallest node of its component and is a shortest loop through that
// node. The list is sorted by first node. It returns nil for an acyclic
// graph. It runs in time linear in the size of the graph.
func (g *Graph) Cycles() [][]int {
	g.prepare()
	comp, size := g.components()
	var cycles [][]int
	seen := make([]bool, len(size))
	parent := make([]int32, len(g.deps))
	for i := range parent {
		parent[i] = -1
	}
	for v := range g.deps {
		c := comp[v]
		if seen[c] {
			continue
		}
		seen[c] = true // v is the smallest node of its component
		if size[c] > 1 {
			cycles = append(cycles, g.loop(int32(v), comp, parent))
		} else if contains(g.after[v], int32(v)) {
			cycles = append(cycles, []int{v})
		}
	}
	return cycles
}

// loop finds a shortest loop through s inside the component of s by a
// breadth-first search over dependencies. parent is scratch space shared
// between components, which are disjoint.
func (g *Graph) loop(s int32, comp, parent []int32) []int {
	parent[s] = s
	queue := []int32{s}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range g.after[v] {
			if w == s {
				var path []int
				for u := v; u != s; u = parent[u] {
					path = append(path, int(u))
				}
				path = append(path, int(s))
				for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return path
			}
			if comp[w] == comp[s] && parent[w] < 0 {
				parent[w] = v
				queue = append(queue, w)
			}
		}
	}
	panic("dag: strongly connected component without a loop")
}

// components labels every node with its strongly connected component using
// an iterative form of Tarjan's algorithm, and returns the labels and the
// size of each component.
func (g *Graph) components() (comp, size []int32) {
	n := len(g.deps)
	index := make([]int32, n) // discovery number + 1; 0 = not yet visited
	low := make([]int32, n)
	onStack := make([]bool, n)
	comp = make([]int32, n)
	var stack []int32
	type frame struct{ v, next int32 }
	var calls []frame
	counter := int32(0)
	enter := func(v int32) {
		counter++
		index[v], low[v] = counter, counter
		stack = append(stack, v)
		onStack[v] = true
		calls = append(calls, frame{v: v})
	}
	for root := range n {
		if index[root] != 0 {
			continue
		}
		enter(int32(root))
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			v := f.v
			if int(f.next) < len(g.after[v]) {
				w := g.after[v][f.next]
				f.next++
				if index[w] == 0 {
					enter(w)
				} else if onStack[w] {
					low[v] = min(low[v], index[w])
				}
				continue
			}
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				u := calls[len(calls)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] != index[v] {
				continue
			}
			c := int32(len(size))
			size = append(size, 0)
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp[w] = c
				size[c]++
				if w == v {
					break
				}
			}
		}
	}
	return comp, size
}

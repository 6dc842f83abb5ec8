package dag

import (
	"context"
	"math"
	"slices"
	"sync"
)

// nodeState is where a node stands in a walk.
type nodeState uint8

const (
	pending  nodeState = iota // some dependency has not finished
	ready                     // queued in its group, waiting for capacity
	running                   // being visited
	doomed                    // to be skipped, once every node it waits for has ended
	finished                  // reported
)

// walker is the state of one Walk. A single mutex guards it; workers take a
// ready node under the mutex, visit it without the mutex, and record the
// outcome under the mutex again. A worker is a goroutine started when a
// node is ready and fewer than the pool's size run, and it ends when no
// node is ready for it: no goroutine waits idle, holding a stack that
// its earlier visits grew, while the nodes wait for their dependencies.
type walker struct {
	g       *Graph
	opts    WalkOptions
	ctx     context.Context // given to visits; cancelled by FailFast
	cancel  context.CancelFunc
	visit   func(ctx context.Context, node int) Outcome
	report  func(node int, o Outcome, cause int)
	mu      sync.Mutex
	workers sync.WaitGroup
	state   []nodeState
	indeg   []int32   // dependencies not yet Done
	group   []int32   // dense group index of each node; nil for one group
	also    [][]int32 // the other groups each node holds; nil when none does
	parked  [][]int32 // by group: ready nodes taken from their queue while the group was full
	queues  []minHeap // ready nodes of each group
	running []int32   // running visits of each group
	limit   int32     // per-group limit
	turns   ring      // groups with ready nodes and free capacity, in turn
	queued  []bool    // whether a group is in turns
	left    int       // nodes not yet reported
	live    int       // workers started and not ended
	pool    int       // how many workers may live at once
	stopped bool      // no new visit may start
	// causes holds, for each doomed node, the dependency whose failure
	// dooms it.
	causes map[int32]int32
}

// newWalker prepares a walk of g with every node without dependencies ready.
func newWalker(g *Graph, opts WalkOptions, ctx context.Context, cancel context.CancelFunc, visit func(context.Context, int) Outcome, report func(int, Outcome, int)) *walker {
	n := len(g.deps)
	w := &walker{
		g: g, opts: opts, ctx: ctx, cancel: cancel, visit: visit, report: report,
		state: make([]nodeState, n),
		indeg: make([]int32, n),
		limit: math.MaxInt32,
		left:  n,
	}
	groups := 1
	if opts.Group != nil && opts.PerGroup > 0 {
		w.limit = int32(min(opts.PerGroup, math.MaxInt32))
		w.group = make([]int32, n)
		index := make(map[int]int32)
		dense := func(id int) int32 {
			gi, ok := index[id]
			if !ok {
				gi = int32(len(index))
				index[id] = gi
			}
			return gi
		}
		for v := range n {
			w.group[v] = dense(opts.Group(v))
			if opts.Also == nil {
				continue
			}
			for _, id := range opts.Also(v) {
				if gi := dense(id); gi != w.group[v] && !slices.Contains(w.alsoOf(int32(v)), gi) {
					if w.also == nil {
						w.also = make([][]int32, n)
					}
					w.also[v] = append(w.also[v], gi)
				}
			}
		}
		groups = len(index)
	}
	w.queues = make([]minHeap, groups)
	w.running = make([]int32, groups)
	w.queued = make([]bool, groups)
	w.parked = make([][]int32, groups)
	w.turns = ring{buf: make([]int32, groups)}
	for v, d := range g.after {
		w.indeg[v] = int32(len(d))
		if len(d) == 0 {
			w.enqueue(int32(v))
		}
	}
	return w
}

// poolSize returns the size of the worker pool: the parallel limit, but
// no more than the nodes or the total capacity of the groups.
func (w *walker) poolSize(parallel int) int {
	n := len(w.state)
	if parallel <= 0 || parallel > n {
		parallel = n
	}
	if w.group != nil {
		parallel = min(parallel, len(w.queues)*int(w.limit))
	}
	return parallel
}

// run starts the first worker, which starts the others as it finds nodes
// ready, and waits until every worker has ended.
func (w *walker) run(parallel int) {
	w.mu.Lock()
	w.pool = w.poolSize(parallel)
	w.spawn()
	w.mu.Unlock()
	w.workers.Wait()
}

// spawn starts a worker; w.mu is held.
func (w *walker) spawn() {
	w.live++
	w.workers.Go(w.work)
}

// work is the loop of one worker goroutine.
func (w *walker) work() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		v, ok := w.next()
		if !ok {
			w.live--
			return
		}
		w.mu.Unlock()
		o := w.visit(w.ctx, int(v))
		w.mu.Lock()
		w.finish(v, o)
	}
}

// stopRequested reports whether WalkOptions.Stop is closed.
func (w *walker) stopRequested() bool {
	select {
	case <-w.opts.Stop:
		return true
	default:
		return false
	}
}

// stopIfAsked stops the walk when the context is done or Stop is
// closed; w.mu is held. Workers ask before taking a node, and Walk asks
// as soon as either happens, so that the nodes not started are reported
// then, not when a running visit returns.
func (w *walker) stopIfAsked() {
	if w.left > 0 && (w.ctx.Err() != nil || w.stopRequested()) {
		w.stop()
	}
}

// wake stops the walk if it is asked to (see stopIfAsked).
func (w *walker) wake() {
	w.mu.Lock()
	w.stopIfAsked()
	w.mu.Unlock()
}

// next returns a ready node this worker may visit and marks it running,
// starting another worker when more are ready and the pool has room; it
// returns false when the worker should end: no node is ready for it, or
// the walk is over or stopped. A node that becomes ready later is taken
// by the worker that made it so, or one it starts. w.mu is held.
func (w *walker) next() (int32, bool) {
	for {
		w.stopIfAsked()
		if w.stopped || w.left == 0 || w.turns.len() == 0 {
			return 0, false
		}
		gi := w.turns.pop()
		w.queued[gi] = false
		if w.running[gi] >= w.limit {
			continue // filled by nodes of other groups since its turn was given; release gives another
		}
		v := w.queues[gi].pop()
		if full := w.fullAlso(v); full >= 0 {
			w.parked[full] = append(w.parked[full], v)
			w.offer(gi)
			continue
		}
		w.running[gi]++
		for _, ga := range w.alsoOf(v) {
			w.running[ga]++
		}
		w.state[v] = running
		w.offer(gi)
		if w.turns.len() > 0 && w.live < w.pool {
			w.spawn() // which passes the turn on in its own turn
		}
		return v, true
	}
}

// alsoOf returns the other groups v holds.
func (w *walker) alsoOf(v int32) []int32 {
	if w.also == nil {
		return nil
	}
	return w.also[v]
}

// fullAlso returns one of the other groups of v that is at its limit, or
// -1 when none is.
func (w *walker) fullAlso(v int32) int32 {
	for _, ga := range w.alsoOf(v) {
		if w.running[ga] >= w.limit {
			return ga
		}
	}
	return -1
}

// release frees the place v held in group gi and puts back in their own
// groups' queues the nodes parked while gi was full.
func (w *walker) release(gi int32) {
	w.running[gi]--
	for _, p := range w.parked[gi] {
		own := w.groupOf(p)
		w.queues[own].push(p)
		w.offer(own)
	}
	w.parked[gi] = w.parked[gi][:0]
	w.offer(gi)
}

// finish records the outcome of a visit and releases or resolves the
// dependents of the node.
func (w *walker) finish(v int32, o Outcome) {
	if o < Done || o > Cancelled {
		o = Failed
	}
	w.release(w.groupOf(v))
	for _, ga := range w.alsoOf(v) {
		w.release(ga)
	}
	w.resolve(v, o, -1)
	switch {
	case o == Done || o == Skipped && !w.opts.SkipPropagates:
		for _, d := range w.g.dependents[v] {
			if w.state[d] != pending {
				continue
			}
			w.indeg[d]--
			if w.indeg[d] == 0 {
				w.enqueue(d)
			}
		}
	case o == Cancelled:
		w.propagate(v, Cancelled)
	default:
		w.propagate(v, Skipped)
		if o == Failed && w.opts.FailFast {
			w.cancel()
			w.stop()
		}
	}
}

// propagate reports every transitive dependent of v that has not been
// reported yet with outcome o, each caused by the dependency it was reached
// from. No such dependent can be ready or running, since v did not finish
// Done. A dependent to be skipped that waits for a node not ended yet, or
// whose cause is doomed itself, is doomed instead: it is reported once
// every node it waits for has ended and its cause has been reported (see
// resolveDoomed), so that a wait edge orders the ends of nodes that are
// skipped as it orders the starts of those that run.
func (w *walker) propagate(v int32, o Outcome) {
	stack := []int32{v}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, d := range w.g.dependents[u] {
			if w.state[d] != pending {
				continue
			}
			if o == Skipped && (w.waiting(d) || w.state[u] == doomed) {
				w.state[d] = doomed
				if w.causes == nil {
					w.causes = map[int32]int32{}
				}
				w.causes[d] = u
			} else {
				w.resolve(d, o, int(u))
			}
			stack = append(stack, d)
		}
	}
}

// waiting reports whether v waits for a node that has not ended.
func (w *walker) waiting(v int32) bool {
	if w.g.waits == nil {
		return false
	}
	return slices.ContainsFunc(w.g.waits[v], func(p int32) bool { return w.state[p] != finished })
}

// resolveDoomed reports d skipped when it is doomed, every node it waits
// for has ended and the dependency that dooms it has been reported.
func (w *walker) resolveDoomed(d int32) {
	if w.state[d] == doomed && !w.waiting(d) && w.state[w.causes[d]] == finished {
		cause := w.causes[d]
		delete(w.causes, d)
		w.resolve(d, Skipped, int(cause))
	}
}

// stop ends the walk: no new visit starts and every node not started is
// reported Cancelled.
func (w *walker) stop() {
	if w.stopped {
		return
	}
	w.stopped = true
	for v, s := range w.state {
		if s == pending || s == ready || s == doomed {
			w.resolve(int32(v), Cancelled, -1)
		}
	}
	w.turns = ring{buf: w.turns.buf}
}

// resolve marks v finished and reports it, and lets the nodes that wait
// for it go on, whatever its outcome, and those doomed that waited only
// for it be reported.
func (w *walker) resolve(v int32, o Outcome, cause int) {
	w.state[v] = finished
	w.left--
	w.report(int(v), o, cause)
	if w.g.waiters == nil || w.stopped {
		return
	}
	for _, d := range w.g.waiters[v] {
		switch w.state[d] {
		case pending:
			w.indeg[d]--
			if w.indeg[d] == 0 {
				w.enqueue(d)
			}
		case doomed:
			w.resolveDoomed(d)
		}
	}
	// A wait edge that doubles a dependency is not among v's waiters.
	for _, d := range w.g.dependents[v] {
		w.resolveDoomed(d)
	}
}

// enqueue makes v ready in its group.
func (w *walker) enqueue(v int32) {
	gi := w.groupOf(v)
	w.state[v] = ready
	w.queues[gi].push(v)
	w.offer(gi)
}

// offer gives group gi a turn if it has ready nodes and free capacity.
func (w *walker) offer(gi int32) {
	if !w.queued[gi] && len(w.queues[gi]) > 0 && w.running[gi] < w.limit {
		w.queued[gi] = true
		w.turns.push(gi)
	}
}

// groupOf returns the dense group index of v.
func (w *walker) groupOf(v int32) int32 {
	if w.group == nil {
		return 0
	}
	return w.group[v]
}

// ring is a FIFO of group indexes; each group is in it at most once, so a
// buffer with one slot per group never overflows.
type ring struct {
	buf     []int32
	head, n int
}

func (r *ring) len() int { return r.n }

func (r *ring) push(v int32) {
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
}

func (r *ring) pop() int32 {
	v := r.buf[r.head]
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return v
}

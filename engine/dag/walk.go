package dag

import (
	"context"
	"fmt"
)

// Outcome is how the visit of a node ended, or why it was not visited.
type Outcome int

// The outcomes of a node. A visit function must return one of them; any
// other value counts as Failed.
const (
	// Done means the visit succeeded; dependents may run.
	Done Outcome = iota
	// Failed means the visit failed; every transitive dependent is Skipped.
	Failed
	// Skipped means the visit chose not to act (for example a false
	// condition), or, when reported without a visit, that a dependency
	// failed or was skipped.
	Skipped
	// Cancelled means the walk stopped before the node could finish.
	Cancelled
)

// String returns the lowercase name of o.
func (o Outcome) String() string {
	switch o {
	case Done:
		return "done"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	case Cancelled:
		return "cancelled"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// WalkOptions bounds and steers a Walk.
type WalkOptions struct {
	// Parallel limits how many visits run at once; 0 (or less) means no
	// limit beyond the number of nodes.
	Parallel int
	// Group returns the group (for example the host) of a node, for
	// PerGroup. It is called once per node before any visit. Nil means all
	// nodes share one group.
	Group func(node int) int
	// PerGroup limits how many visits of one group run at once; 0 (or
	// less) means no limit. A group at its limit does not hold back the
	// ready nodes of other groups.
	PerGroup int
	// Also returns the other groups a node holds while it is visited,
	// besides its Group (for example the other hosts a task works on):
	// its visit counts against their PerGroup as well, and waits while
	// any of them is at its limit. It is called once per node before any
	// visit. Nil means a node holds only its Group.
	Also func(node int) []int
	// FailFast makes the first Failed visit cancel the context given to
	// running visits; nodes not yet started are reported Cancelled.
	FailFast bool
	// SkipPropagates makes a visit that returns Skipped skip its
	// dependents as a failure would. When false, the dependents of such a
	// node run as if it were Done.
	SkipPropagates bool
	// Stop, when closed, stops the walk gently: no new visit starts and
	// every node not started is reported Cancelled, but the running
	// visits go on, their context untouched, until they return. Nil
	// means the walk is stopped only through its context.
	Stop <-chan struct{}
}

// Walk visits every node once all of its dependencies are Done, running up
// to opts.Parallel visits at once and up to opts.PerGroup per group, each in
// a goroutine that lives while it finds nodes ready. Among ready nodes of
// a group the smallest starts first; groups with ready nodes and free
// capacity take turns.
//
// report is called exactly once for every node: after its visit returns,
// with the visit's outcome and cause -1; or, for a node that is never
// visited, with Skipped or Cancelled and as cause the dependency whose
// outcome made it so (a node depending on a Failed or Skipped one is
// Skipped, on a Cancelled one Cancelled), or -1 when the walk was stopped.
// Calls to report never overlap, and the report of a node returns before
// any of its dependents is visited; report should return quickly, as the
// scheduler waits for it.
//
// When ctx is done, or a visit fails under FailFast, no new visit starts and
// every node not started is reported Cancelled; Walk waits for the running
// visits, whose context is then cancelled too. When opts.Stop is closed the
// same happens except that the running visits keep their context. Walk
// returns ctx.Err(), which is nil unless ctx is done. If the graph has a cycle, Walk returns an error
// wrapping ErrCycle and calls neither visit nor report.
func (g *Graph) Walk(ctx context.Context, opts WalkOptions, visit func(ctx context.Context, node int) Outcome, report func(node int, o Outcome, cause int)) error {
	g.prepare()
	if len(g.order) < len(g.deps) {
		return g.cycleError()
	}
	if len(g.deps) == 0 {
		return ctx.Err()
	}
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	w := newWalker(g, opts, inner, cancel, visit, report)
	defer context.AfterFunc(inner, w.wake)()
	if opts.Stop != nil {
		go func() {
			select {
			case <-opts.Stop:
				w.wake()
			case <-inner.Done():
			}
		}()
	}
	w.run(opts.Parallel)
	return ctx.Err()
}

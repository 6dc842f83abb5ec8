package dag

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
)

// layered returns a graph of width*depth nodes in which every node of a
// layer depends on two nodes of the layer below.
func layered(width, depth int) *Graph {
	g := New(width * depth)
	for l := 1; l < depth; l++ {
		for i := range width {
			v := l*width + i
			g.AddEdge(v, (l-1)*width+i)
			g.AddEdge(v, (l-1)*width+(i*7+3)%width)
		}
	}
	return g
}

func TestWalkRespectsDependencies(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph
		opts WalkOptions
	}{
		{"diamond", build(4, [2]int{3, 1}, [2]int{3, 2}, [2]int{1, 0}, [2]int{2, 0}), WalkOptions{}},
		{"chain serial", build(4, [2]int{0, 1}, [2]int{1, 2}, [2]int{2, 3}), WalkOptions{Parallel: 1}},
		{"layered", layered(20, 10), WalkOptions{Parallel: 8}},
		{"layered grouped", layered(20, 10), WalkOptions{Parallel: 8, Group: func(v int) int { return v % 3 }, PerGroup: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder(tt.g.Len())
			if err := tt.g.Walk(context.Background(), tt.opts, r.visitor(done), r.report); err != nil {
				t.Fatalf("Walk: %v", err)
			}
			r.check(t, tt.g, tt.opts)
			for v := range tt.g.Len() {
				if r.outcome[v] != Done {
					t.Errorf("node %d reported %v, want done", v, r.outcome[v])
				}
			}
		})
	}
}

func TestWalkSerialFollowsTopoOrder(t *testing.T) {
	g := build(6, [2]int{0, 5}, [2]int{1, 3}, [2]int{2, 4}, [2]int{4, 3})
	want, err := g.TopoOrder()
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	visit := func(_ context.Context, v int) Outcome { got = append(got, v); return Done }
	if err := g.Walk(context.Background(), WalkOptions{Parallel: 1}, visit, func(int, Outcome, int) {}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("visit order %v, want %v", got, want)
	}
}

func TestWalkEmptyAndCyclic(t *testing.T) {
	called := false
	visit := func(context.Context, int) Outcome { called = true; return Done }
	report := func(int, Outcome, int) { called = true }
	if err := New(0).Walk(context.Background(), WalkOptions{}, visit, report); err != nil || called {
		t.Errorf("empty graph: Walk = %v, called = %v", err, called)
	}
	g := build(3, [2]int{0, 1}, [2]int{1, 2}, [2]int{2, 1})
	err := g.Walk(context.Background(), WalkOptions{}, visit, report)
	if !errors.Is(err, ErrCycle) || called {
		t.Errorf("cyclic graph: Walk = %v, called = %v; want ErrCycle and no calls", err, called)
	}
}

// TestWalkLimits holds every visit open until the expected number are
// running at once, then checks the limits were never exceeded.
func TestWalkLimits(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		groups   int
		parallel int
		perGroup int
		want     int // concurrency that must be reached
	}{
		{"unlimited", 12, 0, 0, 0, 12},
		{"parallel", 20, 0, 3, 0, 3},
		{"per group", 30, 5, 0, 2, 10},
		{"parallel below groups", 30, 5, 4, 2, 4},
		{"groups below parallel", 30, 3, 50, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := WalkOptions{Parallel: tt.parallel, PerGroup: tt.perGroup}
			groups := max(tt.groups, 1)
			if tt.groups > 0 {
				opts.Group = func(v int) int { return v % tt.groups }
			}
			var running, peak atomic.Int32
			perRunning := make([]atomic.Int32, groups)
			perPeak := make([]atomic.Int32, groups)
			started := make(chan int, tt.n)
			release := make(chan struct{})
			visit := func(_ context.Context, v int) Outcome {
				raise(&peak, running.Add(1))
				raise(&perPeak[v%groups], perRunning[v%groups].Add(1))
				started <- v
				<-release
				perRunning[v%groups].Add(-1)
				running.Add(-1)
				return Done
			}
			errc := make(chan error, 1)
			r := newRecorder(tt.n)
			go func() { errc <- New(tt.n).Walk(context.Background(), opts, r.visitor(visit), r.report) }()
			for range tt.want {
				<-started
			}
			close(release)
			if err := <-errc; err != nil {
				t.Fatalf("Walk: %v", err)
			}
			r.check(t, New(tt.n), opts)
			if got := int(peak.Load()); got != tt.want {
				t.Errorf("peak concurrency %d, want %d", got, tt.want)
			}
			for gi := range perPeak {
				if got := int(perPeak[gi].Load()); tt.perGroup > 0 && got > tt.perGroup {
					t.Errorf("group %d peak %d, over the limit %d", gi, got, tt.perGroup)
				}
			}
		})
	}
}

// raise lifts peak to at least v.
func raise(peak *atomic.Int32, v int32) {
	for {
		p := peak.Load()
		if v <= p || peak.CompareAndSwap(p, v) {
			return
		}
	}
}

// TestWalkBusyGroupDoesNotBlockOthers holds the only slot of group 0 until
// every node of group 1 has finished; head-of-line blocking would hang.
func TestWalkBusyGroupDoesNotBlockOthers(t *testing.T) {
	const n = 10 // even nodes in group 0, odd in group 1
	var odd atomic.Int32
	oddDone := make(chan struct{})
	visit := func(_ context.Context, v int) Outcome {
		if v == 0 {
			<-oddDone
		}
		return Done
	}
	report := func(v int, _ Outcome, _ int) {
		if v%2 == 1 && odd.Add(1) == n/2 {
			close(oddDone)
		}
	}
	opts := WalkOptions{Parallel: 2, Group: func(v int) int { return v % 2 }, PerGroup: 1}
	if err := New(n).Walk(context.Background(), opts, visit, report); err != nil {
		t.Fatal(err)
	}
}

func TestWalkFailureSkipsTransitiveDependents(t *testing.T) {
	// 0 <- 1 <- 3 <- 5, 0 <- 2 <- 4, 6 alone, 3 also depends on 6.
	edges := [][2]int{{1, 0}, {3, 1}, {5, 3}, {2, 0}, {4, 2}, {3, 6}}
	tests := []struct {
		name   string
		failed []int
		want   map[int]Outcome // nodes not listed are Done
		causes map[int]int
	}{
		{"leaf", []int{5}, map[int]Outcome{5: Failed}, nil},
		{"middle", []int{1}, map[int]Outcome{1: Failed, 3: Skipped, 5: Skipped}, map[int]int{3: 1, 5: 3}},
		{"root", []int{0}, map[int]Outcome{0: Failed, 1: Skipped, 2: Skipped, 3: Skipped, 4: Skipped, 5: Skipped}, map[int]int{1: 0, 2: 0, 3: 1, 4: 2, 5: 3}},
		{"side", []int{6}, map[int]Outcome{6: Failed, 3: Skipped, 5: Skipped}, map[int]int{3: 6, 5: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := build(7, edges...)
			r := newRecorder(7)
			visit := func(_ context.Context, v int) Outcome {
				if slices.Contains(tt.failed, v) {
					return Failed
				}
				return Done
			}
			if err := g.Walk(context.Background(), WalkOptions{Parallel: 1}, r.visitor(visit), r.report); err != nil {
				t.Fatal(err)
			}
			r.check(t, g, WalkOptions{})
			for v := range 7 {
				want, ok := tt.want[v]
				if !ok {
					want = Done
				}
				if r.outcome[v] != want {
					t.Errorf("node %d reported %v, want %v", v, r.outcome[v], want)
				}
				if c, ok := tt.causes[v]; ok && r.cause[v] != c {
					t.Errorf("node %d cause %d, want %d", v, r.cause[v], c)
				}
				if visited := r.started[v] >= 0; visited != (want != Skipped) {
					t.Errorf("node %d visited = %v", v, visited)
				}
			}
		})
	}
}

func TestWalkSkipPropagates(t *testing.T) {
	// 2 depends on 1, 1 depends on 0; 0 returns Skipped.
	for _, propagate := range []bool{false, true} {
		g := build(3, [2]int{2, 1}, [2]int{1, 0})
		r := newRecorder(3)
		visit := func(_ context.Context, v int) Outcome {
			if v == 0 {
				return Skipped
			}
			return Done
		}
		opts := WalkOptions{SkipPropagates: propagate}
		if err := g.Walk(context.Background(), opts, r.visitor(visit), r.report); err != nil {
			t.Fatal(err)
		}
		r.check(t, g, opts)
		want := [][2]int{{int(Skipped), -1}, {int(Done), -1}, {int(Done), -1}}
		if propagate {
			want = [][2]int{{int(Skipped), -1}, {int(Skipped), 0}, {int(Skipped), 1}}
		}
		for v, w := range want {
			if got := [2]int{int(r.outcome[v]), r.cause[v]}; got != w {
				t.Errorf("SkipPropagates=%v: node %d reported %v, want %v", propagate, v, got, w)
			}
		}
	}
}

func TestWalkCancelledVisitCancelsDependents(t *testing.T) {
	g := build(4, [2]int{1, 0}, [2]int{2, 1}, [2]int{3, 0}, [2]int{3, 2})
	r := newRecorder(4)
	visit := func(_ context.Context, v int) Outcome {
		if v == 0 {
			return Cancelled
		}
		return Done
	}
	if err := g.Walk(context.Background(), WalkOptions{}, r.visitor(visit), r.report); err != nil {
		t.Fatal(err)
	}
	r.check(t, g, WalkOptions{})
	for v, want := range []Outcome{Cancelled, Cancelled, Cancelled, Cancelled} {
		if r.outcome[v] != want {
			t.Errorf("node %d reported %v, want %v", v, r.outcome[v], want)
		}
	}
}

func TestWalkInvalidOutcomeCountsAsFailed(t *testing.T) {
	g := build(2, [2]int{1, 0})
	r := newRecorder(2)
	visit := func(context.Context, int) Outcome { return Outcome(42) }
	if err := g.Walk(context.Background(), WalkOptions{}, r.visitor(visit), r.report); err != nil {
		t.Fatal(err)
	}
	r.check(t, g, WalkOptions{})
	if r.outcome[0] != Failed || r.outcome[1] != Skipped {
		t.Errorf("reported %v, %v; want failed, skipped", r.outcome[0], r.outcome[1])
	}
}

// TestWalkFailFast fails node 0 while node 1 is running: node 1 sees its
// context cancelled, the dependents of 0 are skipped and the nodes not
// started are cancelled.
func TestWalkFailFast(t *testing.T) {
	const n = 6
	g := build(n, [2]int{2, 0}, [2]int{5, 2}) // 3, 4 independent, held back by Parallel
	r := newRecorder(n)
	oneRunning := make(chan struct{})
	visit := func(ctx context.Context, v int) Outcome {
		switch v {
		case 0:
			<-oneRunning
			return Failed
		case 1:
			close(oneRunning)
			<-ctx.Done()
			return Cancelled
		}
		return Done
	}
	opts := WalkOptions{Parallel: 2, FailFast: true}
	if err := g.Walk(context.Background(), opts, r.visitor(visit), r.report); err != nil {
		t.Fatalf("Walk = %v, want nil", err)
	}
	r.check(t, g, opts)
	want := []struct {
		o     Outcome
		cause int
	}{{Failed, -1}, {Cancelled, -1}, {Skipped, 0}, {Cancelled, -1}, {Cancelled, -1}, {Skipped, 2}}
	for v, w := range want {
		if r.outcome[v] != w.o || r.cause[v] != w.cause {
			t.Errorf("node %d reported (%v, %d), want (%v, %d)", v, r.outcome[v], r.cause[v], w.o, w.cause)
		}
	}
}

func TestWalkContextCancelled(t *testing.T) {
	t.Run("mid walk", func(t *testing.T) {
		const n = 8
		g := layered(2, n/2)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := newRecorder(n)
		var visits atomic.Int32
		visit := func(vctx context.Context, v int) Outcome {
			if visits.Add(1) == 3 {
				cancel()
				if vctx.Err() == nil {
					t.Errorf("visit context not cancelled")
				}
			}
			return Done
		}
		err := g.Walk(ctx, WalkOptions{Parallel: 1}, r.visitor(visit), r.report)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Walk = %v, want context.Canceled", err)
		}
		r.check(t, g, WalkOptions{})
		for v := range n {
			visited := r.started[v] >= 0
			if (r.outcome[v] == Done) != visited || !visited && r.cause[v] != -1 {
				t.Errorf("node %d visited %v, reported (%v, %d)", v, visited, r.outcome[v], r.cause[v])
			}
		}
		if visits.Load() != 3 {
			t.Errorf("%d visits, want 3", visits.Load())
		}
	})
	t.Run("before walk", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		g := layered(3, 3)
		r := newRecorder(g.Len())
		err := g.Walk(ctx, WalkOptions{}, r.visitor(done), r.report)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Walk = %v, want context.Canceled", err)
		}
		r.check(t, g, WalkOptions{})
		for v := range g.Len() {
			if r.started[v] >= 0 || r.outcome[v] != Cancelled || r.cause[v] != -1 {
				t.Errorf("node %d visited %v, reported (%v, %d)", v, r.started[v] >= 0, r.outcome[v], r.cause[v])
			}
		}
	})
}

// TestWalkStop checks that closing Stop starts nothing new while the
// running visit goes on, with its context intact, to its own end.
func TestWalkStop(t *testing.T) {
	g := build(3, [2]int{1, 0}, [2]int{2, 1}) // 0 <- 1 <- 2
	r := newRecorder(g.Len())
	stop := make(chan struct{})
	cancelled := make(chan struct{}) // closed when node 1 is reported
	report := func(v int, o Outcome, cause int) {
		r.report(v, o, cause)
		if v == 1 {
			close(cancelled)
		}
	}
	visit := func(ctx context.Context, v int) Outcome {
		close(stop)
		<-cancelled // the walk saw Stop while this visit runs
		if ctx.Err() != nil {
			t.Errorf("Stop cancelled the running visit's context")
		}
		return Done
	}
	opts := WalkOptions{Parallel: 2, Stop: stop}
	if err := g.Walk(context.Background(), opts, r.visitor(visit), report); err != nil {
		t.Fatalf("Walk = %v, want nil", err)
	}
	r.check(t, g, opts)
	want := []Outcome{Done, Cancelled, Cancelled}
	for v, w := range want {
		if r.outcome[v] != w || r.cause[v] != -1 {
			t.Errorf("node %d reported (%v, %d), want (%v, -1)", v, r.outcome[v], r.cause[v], w)
		}
	}
}

func TestWalkConcurrentReads(t *testing.T) {
	g := layered(10, 5)
	visit := func(_ context.Context, v int) Outcome {
		for _, d := range g.Dependencies(v) {
			if !slices.Contains(g.Dependents(d), v) {
				t.Errorf("node %d missing from dependents of %d", v, d)
			}
		}
		return Done
	}
	if err := g.Walk(context.Background(), WalkOptions{Parallel: 4}, visit, func(int, Outcome, int) {}); err != nil {
		t.Fatal(err)
	}
}

// TestWalkAlsoCountsAgainstOtherGroups gives every node of group 0 a hold
// on group 1 too: with one visit per group, no visit of either group may
// overlap one of group 0, and every node still runs.
func TestWalkAlsoCountsAgainstOtherGroups(t *testing.T) {
	const n = 40 // even nodes in group 0, holding group 1; odd in group 1
	var running [2]atomic.Int32
	var over atomic.Bool
	var visited atomic.Int32
	visit := func(_ context.Context, v int) Outcome {
		groups := []int{v % 2}
		if v%2 == 0 {
			groups = append(groups, 1)
		}
		for _, g := range groups {
			if running[g].Add(1) > 1 {
				over.Store(true)
			}
		}
		for range 100 {
			runtime.Gosched()
		}
		for _, g := range groups {
			running[g].Add(-1)
		}
		visited.Add(1)
		return Done
	}
	opts := WalkOptions{
		Parallel: 8, PerGroup: 1,
		Group: func(v int) int { return v % 2 },
		Also: func(v int) []int {
			if v%2 == 0 {
				return []int{1}
			}
			return nil
		},
	}
	if err := New(n).Walk(context.Background(), opts, visit, func(int, Outcome, int) {}); err != nil {
		t.Fatal(err)
	}
	if over.Load() {
		t.Error("a group ran more visits at once than PerGroup")
	}
	if got := visited.Load(); got != n {
		t.Errorf("visited %d nodes, want %d", got, n)
	}
}

// TestWalkStartsWorkersAsNeeded walks a chain under a parallel limit far
// above it: one node is ever ready, so one worker is enough, and no
// other goroutine is left waiting, holding a stack, for nodes that never
// come. Other tests' goroutines may come and go, hence the margin.
func TestWalkStartsWorkersAsNeeded(t *testing.T) {
	const n = 200
	g := New(n)
	for v := 1; v < n; v++ {
		g.AddEdge(v, v-1)
	}
	before := runtime.NumGoroutine()
	most := 0
	visit := func(context.Context, int) Outcome {
		most = max(most, runtime.NumGoroutine())
		return Done
	}
	if err := g.Walk(context.Background(), WalkOptions{Parallel: n}, visit, func(int, Outcome, int) {}); err != nil {
		t.Fatal(err)
	}
	if most > before+n/4 {
		t.Fatalf("%d goroutines during a chain's walk, %d before it", most, before)
	}
}

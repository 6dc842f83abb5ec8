package compile

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/dag"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/zclconf/go-cty/cty"
)

// Batch is a rolling update: the hosts of a task or of a role, split into
// batches that go through all its instances one batch after the other.
// The instances of a batch start only once those of the batch before have
// ended; once more hosts than MaxFailures have failed in the batches that
// ended, the later batches do not start.
type Batch struct {
	name        string            // what sets it: task.NAME, role.NAME or role.ROLE.task.NAME
	size        int               // hosts per batch
	maxFailures int               // hosts that may fail before the later batches are stopped
	insts       [][]*Instance     // by batch, sorted by id
	index       map[*Instance]int // the batch of each instance
}

// MaxFailures returns how many hosts may fail before the later batches
// are stopped.
func (b *Batch) MaxFailures() int { return b.maxFailures }

// Len returns the number of batches.
func (b *Batch) Len() int { return len(b.insts) }

// Index returns the batch of inst, from 0.
func (b *Batch) Index(inst *Instance) int { return b.index[inst] }

// Before returns the instances of the batches before the one numbered i.
func (b *Batch) Before(i int) []*Instance {
	var list []*Instance
	for _, insts := range b.insts[:i] {
		list = append(list, insts...)
	}
	return list
}

// batchSpec is a batch or max_failures value: a count, or a percentage of
// the hosts.
type batchSpec struct {
	n       int
	percent bool
}

// of resolves s over n hosts; a percentage rounds up (for batch, at
// least 1) when up is set, down otherwise (for max_failures).
func (s batchSpec) of(n int, up bool) int {
	if !s.percent {
		return s.n
	}
	if up {
		return max(1, (s.n*n+99)/100)
	}
	return s.n * n / 100
}

// evalBatchSpec evaluates a (batch or max_failures), written in s: a whole
// number from least, or a text "N%" with N from least to 100. It reports
// false when a is not set or not valid (reported).
func (l *loader) evalBatchSpec(s *scope, a *hcl.Attribute, least int) (batchSpec, bool) {
	v, ok := l.evalMeta(s, a)
	if !ok {
		return batchSpec{}, false
	}
	usage := fmt.Sprintf("%s must be a whole number from %d, or a percentage of the hosts such as \"25%%\"", a.Name, least)
	if a.Name == "batch" {
		usage += ": how many hosts go through the tasks at a time"
	} else {
		usage += ": how many hosts may fail before the later batches are stopped"
	}
	switch {
	case v.IsNull() || v.IsMarked():
	case v.Type() == cty.String && strings.HasSuffix(v.AsString(), "%"):
		pct, err := strconv.Atoi(strings.TrimSuffix(v.AsString(), "%"))
		if err == nil && pct >= least && pct <= 100 {
			return batchSpec{n: pct, percent: true}, true
		}
	case v.Type() == cty.Number:
		if i, acc := v.AsBigFloat().Int64(); acc == big.Exact && i >= int64(least) && i <= math.MaxInt32 {
			return batchSpec{n: int(i)}, true
		}
	}
	l.diags = append(l.diags, metaDiag(a, "%s.", usage))
	return batchSpec{}, false
}

// batchOf evaluates the batch and max_failures of a task or a role (what)
// written in s, from their attributes (nil when not set).
func (l *loader) batchOf(s *scope, batch, maxFailures *hcl.Attribute, what string) *batchPlan {
	if batch == nil {
		if maxFailures != nil {
			l.errorf(maxFailures.NameRange.Ptr(), "Invalid max_failures", "max_failures bounds the failures of a rolling update, so it needs batch as well: set batch = N in %s.", what)
		}
		return nil
	}
	size, ok := l.evalBatchSpec(s, batch, 1)
	if !ok {
		return nil
	}
	bp := &batchPlan{attr: batch, size: size}
	if maxFailures != nil {
		if bp.maxFailures, ok = l.evalBatchSpec(s, maxFailures, 0); !ok {
			return nil
		}
	}
	return bp
}

// batchPlan is the batch and max_failures of a task or a role, before its
// hosts are known.
type batchPlan struct {
	attr              *hcl.Attribute
	size, maxFailures batchSpec
	made              *Batch // the batches made of it, once the graph is built; nil when it has no instance
}

// batchedRole returns the nearest role of s, or s's own, that sets batch,
// or nil.
func batchedRole(s *scope) *role {
	for r := s.role; r != nil; r = r.parent.role {
		if r.batch != nil {
			return r
		}
	}
	return nil
}

// evalTaskBatch evaluates the batch of t, refusing one in a role that sets
// batch already.
func (l *loader) evalTaskBatch(t *task) {
	a := t.Meta.Get("batch")
	if r := batchedRole(t.scope); a != nil && r != nil {
		l.errorf(a.NameRange.Ptr(), "Nested batch", "The tasks of %s already go through in batches (set at %s): a task of it cannot set batch as well.", r.path, lang.Place(r.batch.attr.Expr.Range()))
		return
	}
	t.batchPlan = l.batchOf(t.scope, a, t.Meta.Get("max_failures"), fmt.Sprintf("task %q", t.Name))
}

// evalRoleBatch evaluates the batch of r, refusing one in a role that
// sets batch already.
func (l *loader) evalRoleBatch(r *role) {
	a := r.Meta["batch"]
	if outer := batchedRole(r.parent); a != nil && outer != nil {
		l.errorf(a.NameRange.Ptr(), "Nested batch", "The tasks of %s already go through in batches (set at %s): a role in it cannot set batch as well.", outer.path, lang.Place(outer.batch.attr.Expr.Range()))
		return
	}
	r.batch = l.batchOf(r.parent, a, r.Meta["max_failures"], fmt.Sprintf("role %q", r.Name))
}

// makeBatches splits the hosts of every task and role that sets batch
// into batches, and makes the instances that start a batch wait for
// every instance of the batch before: wait edges, which carry nothing, so
// an instance does not skip when one of an earlier batch fails; how many
// hosts failed decides, when the run gets there (see Batch).
func (p *Program) makeBatches(g *dag.Graph, edges edgeRanges) {
	units := map[*batchPlan][]*Instance{}
	var order []*batchPlan
	names := map[*batchPlan]string{}
	for _, t := range p.tasks {
		bp, name := t.batchPlan, t.ref()
		if r := batchedRole(t.scope); r != nil {
			bp, name = r.batch, r.path
		}
		if bp == nil || t.broken {
			continue
		}
		if units[bp] == nil {
			order = append(order, bp)
			names[bp] = name
		}
		units[bp] = append(units[bp], t.insts...)
	}
	for _, bp := range order {
		insts := units[bp]
		var hosts []*Host
		for _, inst := range insts {
			if !slices.Contains(hosts, inst.host) {
				hosts = append(hosts, inst.host)
			}
		}
		slices.SortFunc(hosts, func(a, b *Host) int { return a.index - b.index })
		b := &Batch{name: names[bp], size: bp.size.of(len(hosts), true), maxFailures: bp.maxFailures.of(len(hosts), false), index: map[*Instance]int{}}
		batchOfHost := map[*Host]int{}
		for i, h := range hosts {
			batchOfHost[h] = i / b.size
		}
		bp.made = b
		b.insts = make([][]*Instance, (len(hosts)+b.size-1)/b.size)
		for _, inst := range insts {
			k := batchOfHost[inst.host]
			b.insts[k] = append(b.insts[k], inst)
			b.index[inst] = k
			inst.batch = b
		}
		starts := make([][]*Instance, len(b.insts))
		for k := range b.insts {
			starts[k] = batchStarts(g, b.insts[k])
		}
		for k := 1; k < len(b.insts); k++ {
			for _, later := range starts[k] {
				for _, earlier := range b.insts[k-1] {
					edges.addWait(g, later.id, earlier.id, bp.attr.Expr.Range())
				}
			}
		}
	}
}

// batchStarts returns the instances of insts, a batch, that depend on no
// other of insts: those that start the batch. Only they need to wait for
// the batch before; the others come after them.
func batchStarts(g *dag.Graph, insts []*Instance) []*Instance {
	in := map[int]bool{}
	for _, inst := range insts {
		in[inst.id] = true
	}
	return slices.DeleteFunc(slices.Clone(insts), func(inst *Instance) bool {
		return slices.ContainsFunc(g.Dependencies(inst.id), func(n int) bool { return in[n] })
	})
}

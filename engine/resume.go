package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine/internal/lang"

	"github.com/runbookhq/runbook/engine/journal"
	"github.com/runbookhq/runbook/internal/suggest"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Reasons of an UnsafeInstance.
const (
	reasonCutOff = "was cut off mid-way and its module is not safe to repeat"
	reasonLost   = "lost its connection to its host mid-way, so whether what it ran there ended is unknown, and its module is not safe to repeat"
	reasonLossy  = "finished, but the journal could not keep its outputs (they held sensitive values), which task %s on host %s needs, and its module is not safe to repeat"
)

// resumeFrom decides which instances this run restores from last, the
// run the journal holds, and records them as ended; every other included
// instance runs. It returns the records this run's journal carries over:
// those of the restored instances and of the instances the limit leaves
// out. It fails, having restored nothing, when some instance can be
// neither restored nor safely run again.
func (r *runner) resumeFrom(last *journal.Run, rerun []bool) ([]journal.Record, error) {
	p := r.p
	recs := make(map[string]journal.Record, len(last.Records))
	for _, rec := range last.Records {
		recs[rec.ID()] = rec
	}
	unsafe := map[int]string{}
	restore := make([]bool, len(p.insts))
	outs := make([]cty.Value, len(p.insts)) // cty.NilVal: recorded, but not restorable
	for id, inst := range p.insts {
		rec, ok := recs[inst.name()]
		switch {
		case !ok || !r.included[id] || rerun[id]:
		case rec.CutOff() && !rec.Repeatable:
			unsafe[id] = reasonCutOff
			if rec.ConnectionLost {
				unsafe[id] = reasonLost
			}
		case rec.Status == string(StatusOK) || rec.Status == string(StatusChanged):
			restore[id], outs[id] = true, restoredOutputs(inst, rec)
		case rec.Status == string(StatusSkipped) && rec.WhenFalse:
			restore[id], outs[id] = true, nullOutputs(inst)
		}
	}
	r.keepNeededOutputs(restore, outs, recs, unsafe)
	if len(unsafe) > 0 {
		e := &UnsafeResumeError{}
		for _, id := range sortedIDs(unsafe) {
			e.Instances = append(e.Instances, UnsafeInstance{InstanceInfo: p.insts[id].info(), Reason: unsafe[id]})
		}
		return nil, e
	}
	var carried []journal.Record
	for id, inst := range p.insts {
		rec, ok := recs[inst.name()]
		if ok && (restore[id] || !r.included[id]) {
			carried = append(carried, rec)
		}
		if restore[id] {
			r.restore(inst, rec, outs[id])
		}
	}
	return carried, nil
}

// keepNeededOutputs makes sure that no instance that runs reads outputs
// the journal could not keep: the instance that made them runs again
// when its module is safe to repeat, and is unsafe otherwise. Running one
// again may need the outputs of others, so it goes on until nothing
// changes.
func (r *runner) keepNeededOutputs(restore []bool, outs []cty.Value, recs map[string]journal.Record, unsafe map[int]string) {
	for changed := true; changed; {
		changed = false
		for id, inst := range r.p.insts {
			if !r.included[id] || restore[id] {
				continue // left out, or not run
			}
			for _, dep := range inst.reads() {
				if !restore[dep.id] || outs[dep.id] != cty.NilVal {
					continue
				}
				if recs[dep.name()].Repeatable {
					restore[dep.id], changed = false, true
				} else if _, seen := unsafe[dep.id]; !seen {
					unsafe[dep.id] = fmt.Sprintf(reasonLossy, inst.task.name, inst.host.cfg.Name)
				}
			}
		}
	}
}

// reads returns the instances whose outputs inst reads.
func (inst *instance) reads() []*instance {
	var list []*instance
	for _, v := range inst.views {
		if v.same != nil {
			list = append(list, v.same)
		}
		list = append(list, v.on...)
	}
	return list
}

// restoredOutputs returns the outputs object recorded for inst, or
// cty.NilVal when the journal could not keep them whole or they no
// longer fit the module's outputs.
func restoredOutputs(inst *instance, rec journal.Record) cty.Value {
	schema := inst.task.schema
	if len(schema.outNames) == 0 {
		return cty.EmptyObjectVal
	}
	if rec.Redacted || len(rec.Outputs) == 0 || len(schema.sensitiveOut) > 0 {
		return cty.NilVal
	}
	v, err := ctyjson.Unmarshal(rec.Outputs, schema.out)
	if err != nil {
		return cty.NilVal
	}
	return v
}

// restore records inst as ended the way rec says, with outputs out.
func (r *runner) restore(inst *instance, rec journal.Record, out cty.Value) {
	if out == cty.NilVal {
		out = nullOutputs(inst) // nothing that runs reads them
	}
	r.outputs[inst.id] = out
	res := &r.results[inst.id]
	res.status, res.dur = Status(rec.Status), rec.Duration
	res.restored, res.whenFalse = true, rec.WhenFalse
	if rec.Redacted {
		dec := json.NewDecoder(strings.NewReader(string(rec.Outputs)))
		dec.UseNumber()
		_ = dec.Decode(&res.outputs) // shown as recorded; a bad record shows none
	} else if !rec.WhenFalse {
		res.outputs = r.plainOutputs(out)
	}
}

// journalOutputs returns the outputs of an instance that succeeded as the
// journal keeps them: in full when nothing in them is secret, else
// redacted as events show them, and then marked so.
func (r *runner) journalOutputs(inst *instance, res *result) (json.RawMessage, bool) {
	out := r.outputs[inst.id]
	if res.status != StatusOK && res.status != StatusChanged || out == cty.NilVal || len(inst.task.schema.outNames) == 0 {
		return nil, false
	}
	plain, _ := out.UnmarkDeep()
	secret := out.ContainsMarked() || slices.ContainsFunc(lang.StringsIn(plain, nil), func(s string) bool { return r.secrets.Redact(s) != s })
	if !secret {
		if data, err := ctyjson.Marshal(plain, inst.task.schema.out); err == nil {
			return data, false
		}
	}
	data, err := json.Marshal(res.outputs)
	if err != nil {
		return nil, true
	}
	return data, true
}

// rerunSet returns which instances RunOptions.Rerun names: "task@host"
// or "task" for each of its instances.
func (p *Playbook) rerunSet(names []string) ([]bool, error) {
	set := make([]bool, len(p.insts))
	for _, name := range names {
		taskName, hostName, one := strings.Cut(name, "@")
		t := p.taskIdx[taskName]
		if t == nil {
			return nil, fmt.Errorf("rerun: there is no task %q.%s", taskName, suggest.DidYouMean(taskName, p.taskNames()))
		}
		if !one {
			for _, inst := range t.insts {
				set[inst.id] = true
			}
			continue
		}
		inst := t.byHost[hostName]
		if inst == nil {
			return nil, fmt.Errorf("rerun: task %s does not run on host %q; it runs on %s", taskName, hostName, hostList(t))
		}
		set[inst.id] = true
	}
	return set, nil
}

// sortedIDs returns the keys of m, sorted.
func sortedIDs(m map[int]string) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

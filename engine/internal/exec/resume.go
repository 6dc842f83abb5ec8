package exec

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/job"
	"github.com/runbookhq/runbook/engine/journal"
	"github.com/zclconf/go-cty/cty"
)

// Reasons of an UnsafeInstance (UnsafeInstance.Reason). ReasonLossy is a
// format, of the task and the host of the instance that needs the outputs.
const (
	ReasonCutOff       = "was cut off mid-way and its module is not safe to repeat"
	ReasonLost         = "lost its connection to its host mid-way, so whether what it ran there ended is unknown, and its module is not safe to repeat"
	ReasonJobLost      = "lost its detached job (its host rebooted, or the job's process ended without recording its exit), so what the job did is unknown, and its module is not safe to repeat"
	ReasonJobAbandoned = "had its detached job given up (its host gone for good), so what the job did is unknown, and its module is not safe to repeat"
	ReasonLossy        = "finished, but the journal could not keep its outputs (they held sensitive values), which %s needs, and its module is not safe to repeat"
)

// resumeFrom decides which instances this run restores from last, the
// run the journal holds, and records them as ended; every other included
// instance runs, and one that was cut off takes over its detached jobs
// that were not lost, which its module re-attaches to (Env.Detached). It returns the records this run's journal carries over:
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
	restore := make([]bool, len(p.Instances()))
	outs := make([]cty.Value, len(p.Instances())) // cty.NilVal: recorded, but not restorable
	for id, inst := range p.Instances() {
		rec, ok := recs[inst.Name()]
		switch {
		case !ok || !r.included[id] || rerun[id]:
		case rec.CutOff() && !rec.Repeatable && len(rec.ResumableJobs()) == 0:
			switch {
			case slices.ContainsFunc(rec.Jobs, func(m job.Mark) bool { return m.End == job.EndAbandoned }):
				unsafe[id] = ReasonJobAbandoned
			case rec.JobLost():
				unsafe[id] = ReasonJobLost
			case rec.ConnectionLost:
				unsafe[id] = ReasonLost
			default:
				unsafe[id] = ReasonCutOff
			}
		case rec.Status == string(StatusOK) || rec.Status == string(StatusChanged):
			restore[id], outs[id] = true, restoredOutputs(inst, rec)
		case rec.Status == string(StatusSkipped) && rec.WhenFalse:
			restore[id], outs[id] = true, inst.NullOutputs()
		}
	}
	r.keepNeededOutputs(restore, outs, recs, unsafe)
	if len(unsafe) > 0 {
		e := &UnsafeResumeError{}
		for _, id := range sortedIDs(unsafe) {
			e.Instances = append(e.Instances, UnsafeInstance{InstanceInfo: p.Instances()[id].Info(), Reason: unsafe[id]})
		}
		return nil, e
	}
	var carried []journal.Record
	for id, inst := range p.Instances() {
		rec, ok := recs[inst.Name()]
		if ok && (restore[id] || !r.included[id]) {
			carried = append(carried, rec)
		}
		if restore[id] {
			r.restore(inst, rec, outs[id])
		} else if ok && r.included[id] {
			r.results[id].jobs = rec.ResumableJobs() // re-attached to, never started again
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
		for id, inst := range r.p.Instances() {
			if !r.included[id] || restore[id] {
				continue // left out, or not run
			}
			for _, dep := range inst.Reads() {
				if !restore[dep.ID()] || outs[dep.ID()] != cty.NilVal {
					continue
				}
				if recs[dep.Name()].Repeatable {
					restore[dep.ID()], changed = false, true
				} else if _, seen := unsafe[dep.ID()]; !seen {
					unsafe[dep.ID()] = fmt.Sprintf(ReasonLossy, inst.Label())
				}
			}
		}
	}
}

// restoredOutputs returns the outputs object recorded for inst, or
// cty.NilVal when the journal could not keep them whole or they no
// longer fit the module's outputs.
func restoredOutputs(inst *compile.Instance, rec journal.Record) cty.Value {
	if rec.Redacted {
		return cty.NilVal
	}
	return inst.RestoredOutputs(rec.Outputs)
}

// restore records inst as ended the way rec says, with outputs out.
func (r *runner) restore(inst *compile.Instance, rec journal.Record, out cty.Value) {
	if out == cty.NilVal {
		out = inst.NullOutputs() // nothing that runs reads them
	}
	r.outputs[inst.ID()] = out
	res := &r.results[inst.ID()]
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
func (r *runner) journalOutputs(inst *compile.Instance, res *result) (json.RawMessage, bool) {
	out := r.outputs[inst.ID()]
	if res.status != StatusOK && res.status != StatusChanged || out == cty.NilVal || !inst.HasOutputs() {
		return nil, false
	}
	secret := out.ContainsMarked() || slices.ContainsFunc(lang.StringsIn(out, nil), func(s string) bool { return r.secrets.Redact(s) != s })
	if !secret {
		if data, err := inst.OutputsJSON(out); err == nil {
			return data, false
		}
	}
	data, err := json.Marshal(res.outputs)
	if err != nil {
		return nil, true
	}
	return data, true
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

package exec

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/runbookhq/runbook/engine/internal/compile"
)

// LimitSkip is an included instance that a run under a limit does not
// run, and the error it ends with.
type LimitSkip struct {
	ID    int
	Error string
}

// LimitSkips returns the instances that a run under a limit (included and
// limited as Program.LimitSet returns them) includes but does not run,
// each after those it needs: those whose peer the limit leaves out, and
// those that need an instance that neither runs nor is restored.
// Restored instances are neither run nor skipped.
func LimitSkips(p *compile.Program, included []bool, limited map[*compile.Host]bool, restored func(int) bool) []LimitSkip {
	order, _ := p.Graph().TopoOrder() // acyclic: checked when the playbook loaded
	walked := make([]bool, len(p.Instances()))
	why := make([]string, len(p.Instances())) // why an instance does not run, for those that need it
	var skips []LimitSkip
	for _, id := range order {
		inst := p.Instances()[id]
		switch {
		case !included[id]:
			why[id] = "the limit leaves out"
			continue
		case restored(id):
			continue
		}
		if h := peerLeftOut(inst, limited); h != nil {
			skips = append(skips, LimitSkip{ID: id, Error: fmt.Sprintf("%s: not run: the limit leaves out its peer %s", inst.Label(), h.Name())})
			why[id] = "the limit skips, as it leaves out its peer " + h.Name()
			continue
		}
		cause := slices.IndexFunc(inst.Deps(), func(d int) bool { return !walked[d] && !restored(d) })
		if cause < 0 {
			walked[id] = true
			continue
		}
		c := inst.Deps()[cause]
		skips = append(skips, LimitSkip{ID: id, Error: NotRunMessage(inst.Info(), p.Instances()[c].Info(), cmp.Or(why[c], "did not run"))})
	}
	return skips
}

// peerLeftOut returns the first peer of inst that a limit keeping the
// hosts of limited leaves out, or nil; a nil limited keeps every host.
func peerLeftOut(inst *compile.Instance, limited map[*compile.Host]bool) *compile.Host {
	if limited == nil {
		return nil
	}
	for _, h := range inst.Peers() {
		if !limited[h] {
			return h
		}
	}
	return nil
}

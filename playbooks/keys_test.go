package playbooks_test

import (
	"slices"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/playbooks"
)

// TestReplicationKeysInParallel plans the bundled playbook: the two key
// pairs of step 2 are made by one instance per host, neither waiting for
// the other, each naming the other host as its peer (one inventory host
// under one name), and the key exchange waits for both.
func TestReplicationKeysInParallel(t *testing.T) {
	p, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: []string{"primary=10.0.0.2", "secondary=10.0.0.3"}})
	requireNoErrors(t, p, diags)
	plan, diags := p.Plan()
	requireNoErrors(t, p, diags)
	ids := map[string]engine.PlannedInstance{}
	for _, inst := range plan.Instances {
		ids[inst.ID()] = inst
	}
	// waits reports whether id waits for dep, directly or not.
	var waits func(id, dep string) bool
	waits = func(id, dep string) bool {
		return slices.ContainsFunc(ids[id].DependsOn, func(d string) bool { return d == dep || waits(d, dep) })
	}
	for host, peer := range map[string]string{"primary": "secondary", "secondary": "primary"} {
		id, other := "replication_keys@"+host, "replication_keys@"+peer
		inst, ok := ids[id]
		if !ok {
			t.Fatalf("plan has no %s", id)
		}
		if waits(id, other) {
			t.Errorf("%s waits for %s: the key pairs are made one after the other", id, other)
		}
		if !slices.Equal(inst.Peers, []string{peer}) || inst.Args["peer"] != "host."+peer {
			t.Errorf("%s: peers %v, peer = %s; want the %s", id, inst.Peers, inst.Args["peer"], peer)
		}
		if !waits("keys@primary", id) {
			t.Errorf("keys@primary does not wait for %s", id)
		}
		if !waits(id, "confirm_replace@local") {
			t.Errorf("%s does not wait for the question before the first change", id)
		}
	}
}

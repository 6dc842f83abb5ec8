package playbooks_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sim"
	"github.com/runbookhq/runbook/modules/alation"
	"github.com/runbookhq/runbook/playbooks"
)

// TestHAPairSlowActions runs the bundled playbook on a pair whose Alation
// actions each take longer than the run's timeout for a task (--timeout).
// Given an action_timeout shorter still, the run stops at master mode
// saying that the action was cut short and may still be running, not that
// it failed. With the playbook's defaults, its own timeouts for its slow
// steps win over --timeout, as does mongo_wait for step 6.2, whose
// MongoDB here takes longer than --timeout to catch up, and the pair
// streams.
func TestHAPairSlowActions(t *testing.T) {
	t.Parallel()
	profile, err := sim.LoadProfile(filepath.Join("testdata", "profiles", "28-slow-actions.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	opts := pairOf(sim.DefaultVersion, sim.Faults{})
	if err := profile.Apply(&opts); err != nil {
		t.Fatal(err)
	}
	opts.Primary.MongoCatchUp, opts.Secondary.MongoCatchUp = 45*time.Second, 45*time.Second
	pair := sim.StartPair(t, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	short, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: playbookVars(pair, "action_timeout=3s"), Environ: []string{}})
	requireNoErrors(t, short, diags)
	report, _, err := runOnPair(ctx, t, pair, short, engine.RunOptions{})
	inst, _ := find(report, "master_mode@primary")
	if !errors.Is(err, engine.ErrTaskFailed) || inst.Status != engine.StatusFailed ||
		!strings.Contains(inst.Err.Error(), alation.ErrCutShort.Error()) || !strings.Contains(inst.Err.Error(), "may still be running") ||
		!strings.Contains(inst.Err.Error(), "-var action_timeout") {
		t.Fatalf("run with action_timeout=3s: %v; master_mode: %s %v; want it cut short, saying the action may still be running\n%s", err, inst.Status, inst.Err, summary(report))
	}
	p, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: playbookVars(pair), Environ: []string{}})
	requireNoErrors(t, p, diags)
	report, _, err = runOnPair(ctx, t, pair, p, engine.RunOptions{Timeout: 12 * time.Second})
	if err != nil {
		t.Fatalf("run with a 12s timeout for each task: %v\n%s", err, summary(report))
	}
	checkReplicating(t, pair)
}

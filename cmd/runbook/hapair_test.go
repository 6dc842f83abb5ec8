package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/sim"
)

// TestRunHAPairAsksFirst runs the bundled playbook on a fresh simulated
// pair with no terminal and without --yes: the run refuses at the question,
// before anything changes on either host. With --yes it sets the pair up.
// It runs in parallel with the other tests on hosts of their own: most of
// its time is spent waiting on the pair.
func TestRunHAPairAsksFirst(t *testing.T) {
	t.Parallel()
	pair := sim.StartPair(t, sim.PairOptions{
		Primary:   sim.HostOptions{MongoCatchUp: 3 * time.Second},
		Secondary: sim.HostOptions{MongoCatchUp: 3 * time.Second},
	})
	args := append([]string{"run", "ha-pair", "--no-color", "--known-hosts", pair.KnownHostsPath}, pair.Vars()...)
	args = append(args, "-var", "identity_file="+pair.KeyPath, "-var", "pg_wait=2m", "-var", "mongo_wait=2m")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	before := pairState(ctx, t, pair)

	r := runbook(t, args...)
	r.wantCode(t, exitTaskFailed)
	if !strings.Contains(r.stdout, "confirm_replace failed") || !strings.Contains(r.stdout, "pass --yes") {
		t.Errorf("the run does not say it refused at the question:\n%s", r.stdout)
	}
	if after := pairState(ctx, t, pair); after != before {
		t.Errorf("the hosts changed before the question was answered:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	r = runbook(t, append(args, "--yes")...)
	r.wantCode(t, exitOK)
	if rows, err := pair.Primary.PSQL(ctx, "SELECT client_addr, state FROM pg_stat_replication"); err != nil || !strings.Contains(rows, pair.Secondary.Address+"|streaming") {
		t.Errorf("pg_stat_replication on the primary = %q, %v; want the secondary streaming", rows, err)
	}
}

// pairState describes what the playbook changes on the pair before it
// replicates: the replication keys, the modes and the cluster hosts.
func pairState(ctx context.Context, t *testing.T, pair *sim.Pair) string {
	t.Helper()
	var b strings.Builder
	for _, h := range pair.Hosts() {
		for _, key := range []string{"alation.cluster.replication_mode", "alation.cluster.hosts"} {
			v, err := h.Conf(ctx, key)
			if err != nil {
				t.Fatalf("read %s on the %s: %v", key, h.Name, err)
			}
			b.WriteString(h.Name + " " + key + " = " + v + "\n")
		}
		recovery, err := h.PSQL(ctx, "SELECT pg_is_in_recovery()")
		if err != nil {
			t.Fatalf("read pg_is_in_recovery() on the %s: %v", h.Name, err)
		}
		b.WriteString(h.Name + " pg_is_in_recovery = " + recovery + "\n")
		keys, err := h.Exec(ctx, "ls "+h.AlationDir+"/home/alation/.ssh/ 2>/dev/null; true")
		if err != nil {
			t.Fatalf("list the keys on the %s: %v", h.Name, err)
		}
		b.WriteString(h.Name + " keys: " + strings.Join(strings.Fields(keys), " ") + "\n")
	}
	return b.String()
}

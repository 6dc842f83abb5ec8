package sim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// TestProcedureByHand walks the HA pair procedure over plain ssh and checks
// the outcome on the hosts.
func TestProcedureByHand(t *testing.T) {
	p := StartPair(t, PairOptions{})
	prim, sec := p.Primary, p.Secondary

	for _, h := range p.Hosts() {
		disks := mustSSH(t, h, "tail -n +1 "+h.AlationDir+"/.disk*")
		if !strings.Contains(disks, "/data") || !strings.Contains(disks, "/backup") {
			t.Fatalf("%s: disks %q", h.Name, disks)
		}
		if v := strings.TrimSpace(mustSSH(t, h, "dpkg-query -W -f='${Version}' alation")); v != DefaultVersion+"-1" {
			t.Fatalf("%s: version %q", h.Name, v)
		}
		if s := mustSSH(t, h, "sudo /etc/init.d/alation status"); s != "Alation is running\n" {
			t.Fatalf("%s: status %q", h.Name, s)
		}
		mode := mustSSH(t, h, "echo alation_conf alation.cluster.replication_mode | sudo /etc/init.d/alation shell")
		if mode != "alation.cluster.replication_mode = standalone\n" {
			t.Fatalf("%s: mode %q", h.Name, mode)
		}
	}
	if a, b := mustSSH(t, prim, "cat /etc/machine-id"), mustSSH(t, sec, "cat /etc/machine-id"); a == b {
		t.Fatalf("both hosts have machine-id %q", a)
	}

	exchangeKeys(t, prim, sec)
	hushLogins(t, prim, sec)
	setUpPrimary(t, p)
	out := mustSSH(t, prim, inShell("alation_action cluster_add_slaves"))
	if !strings.Contains(out, "Added "+sec.Address) {
		t.Fatalf("add_slaves printed %q", out)
	}
	if m, err := sec.Conf(bg, "alation.cluster.replication_mode"); err != nil || m != "slave" {
		t.Fatalf("secondary replication_mode = %q, %v", m, err)
	}
	if out := mustSSH(t, sec, inShell("alation_action cluster_replicate_postgres")); !strings.Contains(out, "streaming standby of "+prim.Address) {
		t.Fatalf("replicate_postgres printed %q", out)
	}
	if up, err := sec.PSQL(bg, "SHOW primary_conninfo"); err != nil || !strings.Contains(up, "host="+prim.Address+" ") {
		t.Fatalf("secondary primary_conninfo = %q, %v; want host=%s", up, err, prim.Address)
	}

	eventually(t, "secondary in pg_stat_replication", func() error {
		addr, err := prim.PSQL(bg, "SELECT client_addr FROM pg_stat_replication WHERE state = 'streaming'")
		if err != nil {
			return err
		}
		if addr != sec.Address {
			return fmt.Errorf("client_addr %q, want %s", addr, sec.Address)
		}
		return nil
	})
	if rec, err := sec.PSQL(bg, "SELECT pg_is_in_recovery()"); err != nil || rec != "t" {
		t.Fatalf("secondary pg_is_in_recovery = %q, %v", rec, err)
	}
	if _, err := prim.PSQL(bg, "CREATE TABLE sim_check (v text); INSERT INTO sim_check VALUES ('replicated')"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "row replicated", func() error {
		v, err := sec.PSQL(bg, "SELECT v FROM sim_check")
		if err == nil && v != "replicated" {
			err = fmt.Errorf("read %q", v)
		}
		return err
	})

	first := mongoLag(t, prim)
	eventually(t, "mongo lag decreasing", func() error {
		if next := mongoLag(t, prim); next >= first {
			return fmt.Errorf("lag %d after %d", next, first)
		}
		return nil
	})
	if first < 3600 {
		t.Fatalf("initial mongo lag %d secs, want hours", first)
	}
}

// TestReplicateAgainAndLeave checks that replication can be repeated and
// that standalone mode promotes the standby.
func TestReplicateAgainAndLeave(t *testing.T) {
	p := StartPair(t, PairOptions{})
	exchangeKeys(t, p.Primary, p.Secondary)
	hushLogins(t, p.Primary, p.Secondary)
	mustSSH(t, p.Primary, inShell("alation_action cluster_enter_master_mode"))
	mustSSH(t, p.Primary, inShell("alation_conf alation.cluster.hosts -s "+p.Secondary.Address+"/32"))
	// pg_repl_in_line stays True: add_slaves replicates PostgreSQL itself.
	out := mustSSH(t, p.Primary, inShell("alation_action cluster_add_slaves"))
	if !strings.Contains(out, "streaming standby") {
		t.Fatalf("in-line replication printed %q", out)
	}
	mustSSH(t, p.Secondary, inShell("alation_action cluster_replicate_postgres"))
	if rec, err := p.Secondary.PSQL(bg, "SELECT pg_is_in_recovery()"); err != nil || rec != "t" {
		t.Fatalf("secondary pg_is_in_recovery = %q, %v", rec, err)
	}
	mustSSH(t, p.Secondary, inShell("alation_action cluster_enter_standalone_mode"))
	eventually(t, "promoted", func() error {
		rec, err := p.Secondary.PSQL(bg, "SELECT pg_is_in_recovery()")
		if err == nil && rec != "f" {
			err = fmt.Errorf("in recovery: %q", rec)
		}
		return err
	})
	if m, err := p.Secondary.Conf(bg, "alation.cluster.replication_mode"); err != nil || m != hostconf.ModeStandalone {
		t.Fatalf("mode %q, %v", m, err)
	}
}

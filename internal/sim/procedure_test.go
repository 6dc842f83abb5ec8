package sim

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// TestProcedureByHand walks the HA pair procedure over plain ssh and checks
// the outcome on the hosts.
func TestProcedureByHand(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestSlowReplicate runs cluster_replicate_postgres on a secondary with a
// replicate delay: the copy is held back (it takes no less than half the
// delay; a busy machine may take longer, which is not asserted), the data
// directory grows meanwhile, as a large one does on a real host, and the
// host counts the action once.
func TestSlowReplicate(t *testing.T) {
	const delay = 8 * time.Second
	p := StartPair(t, PairOptions{Secondary: HostOptions{ReplicateDelay: delay}})
	exchangeKeys(t, p.Primary, p.Secondary)
	hushLogins(t, p.Primary, p.Secondary)
	setUpPrimary(t, p)
	mustSSH(t, p.Primary, inShell("alation_action cluster_add_slaves"))
	data := (&hostconf.Config{DataDir: dataDisk}).PGDataDir()
	start := time.Now()
	done := make(chan string, 1)
	go func() {
		out, _ := ssh(t, p.Secondary, inShell("alation_action cluster_replicate_postgres"))
		done <- out
	}()
	var sizes []int64
	var out string
	for out == "" {
		select {
		case out = <-done:
		case <-time.After(time.Second):
			du, err := p.Secondary.Exec(bg, "du -sb "+data+" 2>/dev/null | cut -f1")
			if n, perr := strconv.ParseInt(strings.TrimSpace(du), 10, 64); err == nil && perr == nil {
				sizes = append(sizes, n)
			}
		}
	}
	took := time.Since(start)
	if !strings.Contains(out, "streaming standby of "+p.Primary.Address) || !strings.Contains(out, "kB/s") {
		t.Fatalf("replicate_postgres printed %q", out)
	}
	if took < delay/2 {
		t.Errorf("the copy took %s, want it held back for about %s", took, delay)
	}
	grew := 0
	for i := 1; i < len(sizes); i++ {
		if sizes[i] > sizes[i-1] {
			grew++
		}
	}
	if grew < 3 {
		t.Errorf("the data directory grew %d times while the copy ran (sizes %v), want it to grow steadily", grew, sizes)
	}
	s, err := p.Secondary.State(bg)
	if err != nil || s.Actions["cluster_replicate_postgres"] != 1 {
		t.Errorf("actions counted %v, %v; want cluster_replicate_postgres once", s.Actions, err)
	}
}

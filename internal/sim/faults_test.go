package sim

import (
	"net"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// TestAddSlavesWithoutKeyExchange: the primary's replication key was made
// but never copied to the secondary.
func TestAddSlavesWithoutKeyExchange(t *testing.T) {
	t.Parallel()
	p := StartPair(t, PairOptions{})
	mustSSH(t, p.Primary, "sudo python3 "+hostconf.KeyExchangeScript(p.Primary.AlationDir)+" "+p.Secondary.Address)
	trustHostKeys(t, p.Primary, p.Secondary)
	setUpPrimary(t, p)
	_, err := ssh(t, p.Primary, inShell("alation_action cluster_add_slaves"))
	errContains(t, err, "cluster_add_slaves", "cannot log in to "+p.Secondary.Address, "authorized_keys")
	if m, err := p.Secondary.Conf(bg, "alation.cluster.replication_mode"); err != nil || m != hostconf.ModeStandalone {
		t.Fatalf("secondary mode %q, %v: a failed add_slaves must leave it standalone", m, err)
	}
}

// TestMOTDDirtiesShell: a MOTD on the secondary breaks add_slaves until
// ~/.hushlogin exists there.
func TestMOTDDirtiesShell(t *testing.T) {
	t.Parallel()
	p := StartPair(t, PairOptions{Secondary: HostOptions{Faults: Faults{MOTD: DefaultMOTD}}})
	if out := mustSSH(t, p.Secondary, "echo hi"); !strings.Contains(out, DefaultMOTD) {
		t.Fatalf("non-interactive ssh printed %q, want the MOTD too", out)
	}
	exchangeKeys(t, p.Primary, p.Secondary)
	setUpPrimary(t, p)
	_, err := ssh(t, p.Primary, inShell("alation_action cluster_add_slaves"))
	errContains(t, err, "shell not clean on "+p.Secondary.Address, DefaultMOTD, ".hushlogin")

	hushLogins(t, p.Primary, p.Secondary)
	if out := mustSSH(t, p.Secondary, "echo hi"); out != "hi\n" {
		t.Fatalf("after .hushlogin ssh printed %q", out)
	}
	mustSSH(t, p.Primary, inShell("alation_action cluster_add_slaves"))
}

// TestReplicateBeforeAddSlaves: the secondary is not attached yet.
func TestReplicateBeforeAddSlaves(t *testing.T) {
	t.Parallel()
	h := StartHost(t, HostOptions{})
	_, err := ssh(t, h, inShell("alation_action cluster_replicate_postgres"))
	errContains(t, err, "cluster_replicate_postgres", "not a secondary", "cluster_add_slaves")
	if rec, err := h.PSQL(bg, "SELECT pg_is_in_recovery()"); err != nil || rec != "f" {
		t.Fatalf("pg_is_in_recovery = %q, %v", rec, err)
	}
}

// TestSlaveOfAnotherPrimary: master mode from slave fails, and a primary
// refuses a secondary attached elsewhere, until it is made standalone.
func TestSlaveOfAnotherPrimary(t *testing.T) {
	t.Parallel()
	p := StartPair(t, PairOptions{
		Primary:   HostOptions{Faults: Faults{ReplicationMode: hostconf.ModeSlave}},
		Secondary: HostOptions{Faults: Faults{ReplicationMode: hostconf.ModeSlave}},
	})
	_, err := ssh(t, p.Primary, inShell("alation_action cluster_enter_master_mode"))
	errContains(t, err, "cluster_enter_master_mode", "secondary", DefaultForeignMaster, "cluster_enter_standalone_mode")

	mustSSH(t, p.Primary, inShell("alation_action cluster_enter_standalone_mode"))
	exchangeKeys(t, p.Primary, p.Secondary)
	hushLogins(t, p.Primary, p.Secondary)
	setUpPrimary(t, p)
	_, err = ssh(t, p.Primary, inShell("alation_action cluster_add_slaves"))
	errContains(t, err, "secondary "+p.Secondary.Address, "another primary", DefaultForeignMaster)
}

// TestLayouts: 3.12 lives in /usr/local/alation, 4.x in
// /opt/alation/alation, and 4.8 replaces the key exchange script by the
// cluster_generate_keys action.
func TestLayouts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version, dir string
		script       bool
	}{
		{"3.12.1", "/usr/local/alation", true},
		{"4.8.0", "/opt/alation/alation", false},
	} {
		t.Run(tc.version, func(t *testing.T) {
			t.Parallel()
			h := StartHost(t, HostOptions{Version: tc.version})
			if h.AlationDir != tc.dir {
				t.Fatalf("alation dir %s, want %s", h.AlationDir, tc.dir)
			}
			mustSSH(t, h, "test -s "+tc.dir+"/.disk1_cache && test -s "+tc.dir+"/.disk2_cache")
			_, err := ssh(t, h, "test -e "+hostconf.KeyExchangeScript(tc.dir))
			if (err == nil) != tc.script {
				t.Fatalf("key exchange script present = %v, want %v", err == nil, tc.script)
			}
			out, err := ssh(t, h, inShell("alation_action cluster_generate_keys"))
			if tc.script {
				errContains(t, err, "unknown action", "cluster_generate_keys")
				return
			}
			if err != nil || !strings.Contains(out, "ssh-rsa ") {
				t.Fatalf("cluster_generate_keys: %q, %v", out, err)
			}
			if keys := mustSSH(t, h, "cat ~/.ssh/authorized_keys"); !strings.Contains(keys, publicKeyIn(t, out)) {
				t.Fatalf("generated key not authorized locally: %q", keys)
			}
		})
	}
}

// TestInvalidDisks: a host runs with bad disk caches, but start refuses
// them, init refuses missing directories, and init with real ones fixes
// the host.
func TestInvalidDisks(t *testing.T) {
	t.Parallel()
	h := StartHost(t, HostOptions{Faults: Faults{InvalidDisks: true}})
	if s := mustSSH(t, h, "sudo /etc/init.d/alation status"); s != "Alation is running\n" {
		t.Fatalf("status %q", s)
	}
	disks := mustSSH(t, h, "tail -n +1 "+h.AlationDir+"/.disk*")
	if !strings.Contains(disks, MissingDataDisk) || !strings.Contains(disks, MissingBackupDisk) {
		t.Fatalf("disks %q", disks)
	}
	mustSSH(t, h, "sudo /etc/init.d/alation stop")
	if _, err := ssh(t, h, "sudo /etc/init.d/alation status"); err == nil {
		t.Fatal("status of a stopped host exited 0")
	}
	_, err := ssh(t, h, "sudo /etc/init.d/alation start")
	errContains(t, err, "data disk "+MissingDataDisk, "alation init")
	_, err = ssh(t, h, "sudo /etc/init.d/alation init /mnt/missing /backup")
	errContains(t, err, "init", "/mnt/missing", "not an existing directory")
	mustSSH(t, h, "sudo /etc/init.d/alation init /data /backup")
	mustSSH(t, h, "sudo /etc/init.d/alation start")
	if s := mustSSH(t, h, "sudo /etc/init.d/alation status"); s != "Alation is running\n" {
		t.Fatalf("status %q", s)
	}
}

// TestClosedPorts: closed ports are not listened on and add_slaves names
// the one it cannot reach.
func TestClosedPorts(t *testing.T) {
	t.Parallel()
	p := StartPair(t, PairOptions{Secondary: HostOptions{Faults: Faults{ClosedPorts: []int{hostconf.MongoPort}}}})
	if c, err := net.Dial("tcp", hostPort(p.Secondary.Address, hostconf.MongoPort)); err == nil {
		c.Close()
		t.Fatal("closed port 27017 accepts connections")
	}
	for _, port := range []int{hostconf.PGPort, hostconf.KVStorePort} {
		c, err := net.Dial("tcp", hostPort(p.Secondary.Address, port))
		if err != nil {
			t.Fatalf("open port %d: %v", port, err)
		}
		c.Close()
	}
	exchangeKeys(t, p.Primary, p.Secondary)
	hushLogins(t, p.Primary, p.Secondary)
	setUpPrimary(t, p)
	_, err := ssh(t, p.Primary, inShell("alation_action cluster_add_slaves"))
	errContains(t, err, "secondary "+p.Secondary.Address, "port 27017", "MongoDB replication", "not reachable")
}

// TestStopStart: stop ends PostgreSQL and the listeners; start brings
// them back.
func TestStopStart(t *testing.T) {
	t.Parallel()
	h := StartHost(t, HostOptions{})
	mustSSH(t, h, "sudo /etc/init.d/alation stop")
	for _, port := range []int{hostconf.PGPort, hostconf.MongoPort, hostconf.KVStorePort} {
		if c, err := net.Dial("tcp", hostPort(h.Address, port)); err == nil {
			c.Close()
			t.Fatalf("port %d still open after stop", port)
		}
	}
	_, err := ssh(t, h, inShell("mongo --quiet --eval 'rs.printSecondaryReplicationInfo()'"))
	errContains(t, err, "couldn't connect")
	mustSSH(t, h, "sudo /etc/init.d/alation start")
	if out, err := h.PSQL(bg, "SELECT 1"); err != nil || out != "1" {
		t.Fatalf("psql after start: %q, %v", out, err)
	}
}

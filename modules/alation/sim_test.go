package alation

import (
	"context"
	"errors"
	"path"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/sshtransport"
	"github.com/runbookhq/runbook/internal/sim"
)

// connectPair opens an SSH transport to each host of pair, closed when t
// ends.
func connectPair(t *testing.T, pair *sim.Pair) map[string]transport.Host {
	t.Helper()
	return connectHosts(t, pair.Hosts()...)
}

// connectHosts opens an SSH transport to each host, by name, closed when
// t ends.
func connectHosts(t *testing.T, hs ...*sim.Host) map[string]transport.Host {
	t.Helper()
	hosts := map[string]transport.Host{}
	for _, h := range hs {
		tr, err := sshtransport.New(sshtransport.Config{
			Name: h.Name, Address: h.Address, Port: h.SSHPort, User: h.User,
			IdentityFiles: []string{h.KeyPath}, KnownHostsFiles: []string{h.KnownHostsPath},
			HostKeyChecking: sshtransport.Strict, SSHConfigFile: "none", AgentSocket: "none",
		})
		if err != nil {
			t.Fatalf("connect to the %s: %v", h.Name, err)
		}
		t.Cleanup(func() { tr.Close() })
		hosts[h.Name] = tr
	}
	return hosts
}

// envOn returns the Env of a task named task on the pair's host name,
// whose peers are the pair's other hosts.
func envOn(t *testing.T, hosts map[string]transport.Host, name, task string) *engine.Env {
	return engine.NewEnv(hosts[name], name, task, hosts, func(msg string) { t.Logf("%s@%s: %s", task, name, msg) })
}

// TestKeyExchangeSilencesMOTD runs key_exchange on a pair whose secondary
// greets every login: the module touches .hushlogin there, proves a clean
// login both ways, and a second run changes nothing.
func TestKeyExchangeSilencesMOTD(t *testing.T) {
	pair := sim.StartPair(t, sim.PairOptions{Secondary: sim.HostOptions{Faults: sim.Faults{MOTD: sim.DefaultMOTD}}})
	hosts := connectPair(t, pair)
	m := &KeyExchange{Peer: engine.HostRef{Name: "secondary", Address: pair.Secondary.Address}, SelfAddress: pair.Primary.Address, SSHUser: pair.User, SSHPort: pair.Primary.SSHPort}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	first, err := m.Run(ctx, envOn(t, hosts, "primary", "keys"))
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	if !first.Changed {
		t.Error("first run reported no change")
	}
	out := first.Outputs.(KeyExchangeOutputs)
	if !strings.HasPrefix(out.SelfFingerprint, "SHA256:") || !strings.HasPrefix(out.PeerFingerprint, "SHA256:") || out.SelfFingerprint == out.PeerFingerprint {
		t.Errorf("fingerprints %q and %q", out.SelfFingerprint, out.PeerFingerprint)
	}
	home := "/home/" + pair.User
	if _, err := pair.Secondary.Exec(ctx, "test -e "+home+"/.hushlogin"); err != nil {
		t.Errorf("no .hushlogin on the secondary: %v", err)
	}
	modes, err := pair.Secondary.Exec(ctx, "stat -c '%a %U' "+home+"/.ssh "+home+"/.ssh/authorized_keys")
	if err != nil || modes != "700 "+pair.User+"\n600 "+pair.User+"\n" {
		t.Errorf("modes on the secondary: %q, %v", modes, err)
	}
	// What cluster_add_slaves will do: log in from the primary, cleanly.
	login := m.sshCommand(pair.Secondary.Address) + " echo ok"
	if got, err := pair.Primary.Exec(ctx, login); err != nil || got != "ok\n" {
		t.Errorf("login from the primary printed %q, %v; want only ok", got, err)
	}
	keys, err := pair.Secondary.Exec(ctx, "cat "+home+"/.ssh/authorized_keys")
	if err != nil {
		t.Fatal(err)
	}
	second, err := m.Run(ctx, envOn(t, hosts, "primary", "keys"))
	if err != nil || second.Changed {
		t.Errorf("second run: changed %v, %v; want no change", second.Changed, err)
	}
	if again, _ := pair.Secondary.Exec(ctx, "cat "+home+"/.ssh/authorized_keys"); again != keys {
		t.Errorf("authorized_keys changed on the second run:\n%s\nthen\n%s", keys, again)
	}
}

// TestDiskCheckFix runs disk_check on a host whose disk caches name
// missing directories: without fix it fails naming them, with fix it
// configures the given disks once.
func TestDiskCheckFix(t *testing.T) {
	pair := sim.StartPair(t, sim.PairOptions{Secondary: sim.HostOptions{Faults: sim.Faults{InvalidDisks: true}}})
	hosts := connectPair(t, pair)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env := envOn(t, hosts, "secondary", "disks")
	_, err := (&DiskCheck{}).Run(ctx, env)
	if err == nil || !strings.Contains(err.Error(), sim.MissingDataDisk) || !strings.Contains(err.Error(), "fix = true") {
		t.Errorf("check without fix: %v; want an error naming the missing disk and the fix", err)
	}
	fix := &DiskCheck{Fix: true, DataPath: "/data", BackupPath: "/backup"}
	res, err := fix.Run(ctx, env)
	if err != nil || !res.Changed {
		t.Fatalf("fix: changed %v, %v", res.Changed, err)
	}
	if out := res.Outputs.(DiskCheckOutputs); !out.Valid || out.DataPath != "/data" || out.BackupPath != "/backup" || out.DataFreeBytes <= 0 || out.Layout != layout4 {
		t.Errorf("fix outputs = %+v", out)
	}
	if res, err := fix.Run(ctx, env); err != nil || res.Changed {
		t.Errorf("second fix: changed %v, %v; want no change", res.Changed, err)
	}
}

// TestShellAndFacts reads the facts of a fresh host, checks pg_replicate
// refuses to replace data it may not, sets a key twice and enters master
// mode twice: only the first of each changes anything.
func TestShellAndFacts(t *testing.T) {
	pair := sim.StartPair(t, sim.PairOptions{Primary: sim.HostOptions{Version: "3.12.1"}, Secondary: sim.HostOptions{Version: "3.12.1"}})
	hosts := connectPair(t, pair)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env := envOn(t, hosts, "primary", "t")
	res, err := (&Facts{Peer: engine.HostRef{Name: "secondary", Address: pair.Secondary.Address}, SelfAddress: pair.Primary.Address}).Run(ctx, env)
	if err != nil {
		t.Fatalf("facts: %v", err)
	}
	f := res.Outputs.(FactsOutputs)
	if f.Version != "3.12.1" || f.Major != 3 || f.Minor != 12 || f.Layout != layout3 || f.AlationDir != dir3 || !f.ServicesRunning ||
		f.ReplicationMode != "standalone" || len(f.ClusterHosts) != 0 || f.PgInRecovery || f.PgUpstream != "" || f.MachineID == "" || !f.LoginClean || f.PgStreamsToPeer {
		t.Errorf("facts = %+v", f)
	}
	// The simulated hosts share the machine: the route to the peer is
	// local, and the host's own address stands for the kernel's loopback
	// source only when it is an address of the host.
	if !f.PeerLocal || f.SourceAddress != pair.Primary.Address || f.SourceCIDR != pair.Primary.Address+"/8" {
		t.Errorf("with self_address: source %q, %q, peer_local %v; want %s/8 and a local route", f.SourceAddress, f.SourceCIDR, f.PeerLocal, pair.Primary.Address)
	}
	for _, self := range []string{"", "192.0.2.1"} {
		res, err := (&Facts{Peer: engine.HostRef{Name: "secondary", Address: pair.Secondary.Address}, SelfAddress: self}).Run(ctx, env)
		if err != nil {
			t.Fatalf("facts with self_address %q: %v", self, err)
		}
		if f := res.Outputs.(FactsOutputs); !f.PeerLocal || f.SourceAddress != "127.0.0.1" || f.SourceCIDR != "127.0.0.1/8" {
			t.Errorf("with self_address %q: source %q, %q, peer_local %v; want the kernel's 127.0.0.1/8", self, f.SourceAddress, f.SourceCIDR, f.PeerLocal)
		}
	}
	// Not streaming yet, and told not to replace the secondary's data:
	// pg_replicate fails and changes nothing.
	refuse := &PgReplicate{Secondary: engine.HostRef{Name: "secondary", Address: pair.Secondary.Address}, PrimaryAddress: pair.Primary.Address, InlineThresholdGB: 100, Wait: "5s"}
	if res, err := refuse.Run(ctx, env); !errors.Is(err, ErrReplaceRefused) || res.Changed {
		t.Errorf("pg_replicate with replace_data false: changed %v, %v; want ErrReplaceRefused", res.Changed, err)
	}
	if got, err := pair.Secondary.Conf(ctx, keyReplicationMode); err != nil || got != "standalone" {
		t.Errorf("after the refusal the secondary is %q, %v; want standalone", got, err)
	}
	steps := []struct {
		m       *AlationShell
		changed bool
		value   string
	}{
		{&AlationShell{Key: keyClusterHosts, Values: []string{pair.Secondary.Address + "/32"}}, true, "['" + pair.Secondary.Address + "/32']"},
		{&AlationShell{Set: &SetConf{Key: keyClusterHosts, Value: "[" + pair.Secondary.Address + "/32]"}}, false, "['" + pair.Secondary.Address + "/32']"},
		{&AlationShell{Action: "cluster_enter_master_mode"}, true, "master"},
		{&AlationShell{Action: "cluster_enter_master_mode"}, false, "master"},
		{&AlationShell{Get: keyPgReplInLine}, false, "True"},
		{&AlationShell{Service: "start"}, false, "running"},
	}
	for i, s := range steps {
		res, err := s.m.Run(ctx, env)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		out := res.Outputs.(ShellOutputs)
		if res.Changed != s.changed || out.Changed != s.changed || out.Value != s.value {
			t.Errorf("step %d: changed %v, value %q; want %v, %q", i, res.Changed, out.Value, s.changed, s.value)
		}
	}
	// No replication yet: the lag never becomes known, and the wait ends.
	_, err = (&MongoLag{MaxLag: 60, Wait: "2s", Interval: "500ms"}).Run(ctx, env)
	if !errors.Is(err, ErrMongoBehind) || !strings.Contains(err.Error(), "no replication") {
		t.Errorf("mongo_lag before replication: %v; want ErrMongoBehind naming the cause", err)
	}
}

// TestActionsJudgedByEffect runs cluster_enter_master_mode on a host where
// it exits 0 and does nothing, and on one where it works but exits 1: the
// mode read back decides, not the exit status.
func TestActionsJudgedByEffect(t *testing.T) {
	action := []string{"cluster_enter_master_mode"}
	pair := sim.StartPair(t, sim.PairOptions{
		Primary:   sim.HostOptions{Faults: sim.Faults{NoOpActions: action}},
		Secondary: sim.HostOptions{Faults: sim.Faults{FailingActions: action}},
	})
	hosts := connectPair(t, pair)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := &AlationShell{Action: "cluster_enter_master_mode"}
	_, err := m.Run(ctx, envOn(t, hosts, "primary", "master_mode"))
	if !errors.Is(err, ErrNoEffect) || !strings.Contains(err.Error(), `"standalone", not master`) || !strings.Contains(err.Error(), "primary") {
		t.Errorf("an action that did nothing: %v; want ErrNoEffect naming the host and the mode read back", err)
	}
	res, err := m.Run(ctx, envOn(t, hosts, "secondary", "master_mode"))
	if err != nil || !res.Changed || res.Outputs.(ShellOutputs).Value != "master" {
		t.Errorf("an action that worked but exited 1: changed %v, %+v, %v; want master", res.Changed, res.Outputs, err)
	}
	if got, err := pair.Secondary.Conf(ctx, keyReplicationMode); err != nil || got != "master" {
		t.Errorf("the secondary is %q, %v; want master", got, err)
	}
}

// TestConfSetJudgedByEffect sets alation.cluster.hosts on a host whose
// alation_conf -s echoes the value, exits 0 and stores nothing: the value
// read back decides, and the task fails.
func TestConfSetJudgedByEffect(t *testing.T) {
	h := sim.StartHost(t, sim.HostOptions{Name: "primary", Faults: sim.Faults{ReadOnlyConf: true}})
	hosts := connectHosts(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := (&AlationShell{Key: keyClusterHosts, Values: []string{"10.0.0.3/32"}}).Run(ctx, envOn(t, hosts, "primary", "cluster_hosts"))
	if !errors.Is(err, ErrNoEffect) || !strings.Contains(err.Error(), `"[]", not "['10.0.0.3/32']"`) {
		t.Errorf("a set that stored nothing: %v; want ErrNoEffect naming the value read back", err)
	}
}

// TestMachineIdentityOnHosts reads the facts of clones sharing a machine
// id, of a host with its id in /var/lib/dbus alone (EL6) and of one with
// no id at all: clones are two machines, one host read twice is one, and
// no id is no obstacle.
func TestMachineIdentityOnHosts(t *testing.T) {
	const cloned = "4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910"
	pair := sim.StartPair(t, sim.PairOptions{
		Primary:   sim.HostOptions{MachineID: cloned},
		Secondary: sim.HostOptions{MachineID: cloned},
	})
	hosts := connectPair(t, pair)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	facts := func(name string) FactsOutputs {
		t.Helper()
		res, err := (&Facts{}).Run(ctx, envOn(t, hosts, name, "facts"))
		if err != nil {
			t.Fatalf("facts on the %s: %v", name, err)
		}
		return res.Outputs.(FactsOutputs)
	}
	prim, again, sec := facts("primary"), facts("primary"), facts("secondary")
	if prim.MachineID != cloned || sec.MachineID != cloned {
		t.Errorf("machine ids %q and %q, want the cloned %s", prim.MachineID, sec.MachineID, cloned)
	}
	if prim.MachineIdentity == sec.MachineIdentity {
		t.Errorf("two clones have one identity %s (%s)", prim.MachineIdentity, prim.MachineEvidence)
	}
	if prim.MachineIdentity != again.MachineIdentity {
		t.Errorf("the primary read twice has two identities: %s and %s", prim.MachineIdentity, again.MachineIdentity)
	}
	for _, tt := range []struct{ machineID, evidence string }{{sim.MachineIDDBusOnly, "1 machine id"}, {sim.MachineIDNone, "no machine id"}} {
		h := sim.StartHost(t, sim.HostOptions{Name: "el6", MachineID: tt.machineID})
		one := connectHosts(t, h)
		res, err := (&Facts{}).Run(ctx, envOn(t, one, "el6", "facts"))
		if err != nil {
			t.Fatalf("facts with machine id %s: %v", tt.machineID, err)
		}
		if f := res.Outputs.(FactsOutputs); !strings.HasPrefix(f.MachineEvidence, tt.evidence) || f.MachineIdentity == "" {
			t.Errorf("with machine id %s: identity %q from %q; want evidence starting %q", tt.machineID, f.MachineIdentity, f.MachineEvidence, tt.evidence)
		}
	}
}

// TestKeyExchangeTrustsVerifiedHostKeys runs key_exchange on a pair whose
// ssh is CentOS 7's OpenSSH 7.4, which has no accept-new: each host's
// Alation shell user comes to trust the other's host key, the one
// runbook's own connection verified, hashed as the hosts' ssh_config asks,
// and a second run leaves known_hosts as it is. A peer whose key runbook
// did not verify (host key checking off) is refused before anything
// changes.
func TestKeyExchangeTrustsVerifiedHostKeys(t *testing.T) {
	old := sim.HostOptions{SSHClient: "7.4"}
	pair := sim.StartPair(t, sim.PairOptions{Primary: old, Secondary: old})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	unverified := connectPair(t, pair)
	off, err := sshtransport.New(sshtransport.Config{
		Name: "secondary", Address: pair.Secondary.Address, Port: pair.Secondary.SSHPort, User: pair.User,
		IdentityFiles: []string{pair.KeyPath}, HostKeyChecking: sshtransport.Off, Warn: func(string) {}, SSHConfigFile: "none", AgentSocket: "none",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { off.Close() })
	unverified["secondary"] = off
	m := &KeyExchange{Peer: engine.HostRef{Name: "secondary", Address: pair.Secondary.Address}, SelfAddress: pair.Primary.Address, SSHUser: pair.User, SSHPort: pair.Primary.SSHPort}
	knownHosts := func(h *sim.Host) string {
		t.Helper()
		out, _ := h.Exec(ctx, "cat "+h.AlationDir+knownHostsFile+" 2>/dev/null")
		return out
	}
	if _, err := m.Run(ctx, envOn(t, unverified, "primary", "keys")); !errors.Is(err, transport.ErrHostKeyUnverified) || !strings.Contains(err.Error(), "secondary") || !strings.Contains(err.Error(), "--host-key-checking") {
		t.Errorf("with the secondary's key unverified: %v; want ErrHostKeyUnverified naming the host and the fix", err)
	}
	if kh, key := knownHosts(pair.Primary), pair.Primary.AlationDir+keyInJail; kh != "" {
		t.Errorf("the primary trusts %q after a refused run", kh)
	} else if _, err := pair.Primary.Exec(ctx, "test ! -e "+key); err != nil {
		t.Errorf("a refused run made %s: %v", key, err)
	}

	hosts := connectPair(t, pair)
	first, err := m.Run(ctx, envOn(t, hosts, "primary", "keys"))
	if err != nil || !first.Changed {
		t.Fatalf("first run: changed %v, %v", first.Changed, err)
	}
	written := map[*sim.Host]string{}
	for _, side := range [][2]*sim.Host{{pair.Primary, pair.Secondary}, {pair.Secondary, pair.Primary}} {
		from, to := side[0], side[1]
		written[from] = knownHosts(from)
		key, err := hosts[to.Name].(transport.HostKeyer).HostKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		verified, err := ssh.ParsePublicKey(key)
		if err != nil {
			t.Fatal(err)
		}
		if trusted, _ := knownHostsTrusts([]byte(written[from]), knownHostsName(to.Address, to.SSHPort), verified); !trusted || !knownHostsHashed([]byte(written[from])) {
			t.Errorf("known_hosts on the %s: %q; want the %s's verified key, hashed", from.Name, written[from], to.Name)
		}
		if modes, err := from.Exec(ctx, "stat -c '%a %U' "+from.AlationDir+path.Dir(keyInJail)+" "+from.AlationDir+knownHostsFile); err != nil || modes != "700 root\n600 root\n" {
			t.Errorf("on the %s: modes and owners %q, %v; want 700 and 600, the shell user's (root here)", from.Name, modes, err)
		}
	}
	second, err := m.Run(ctx, envOn(t, hosts, "primary", "keys"))
	if err != nil || second.Changed {
		t.Errorf("second run: changed %v, %v; want no change", second.Changed, err)
	}
	for h, before := range written {
		if after := knownHosts(h); after != before {
			t.Errorf("known_hosts on the %s changed on the second run:\n%s\nthen\n%s", h.Name, before, after)
		}
	}
}

// TestReplicationKeyWithPassphrase runs replication_key on a host whose
// replication key has a passphrase, which unattended replication cannot
// type: the task fails, naming the host, the problem and the fix, and
// leaves the key as it was.
func TestReplicationKeyWithPassphrase(t *testing.T) {
	h := sim.StartHost(t, sim.HostOptions{Name: "primary"})
	hosts := connectHosts(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := h.AlationDir + keyInJail
	if _, err := h.Exec(ctx, "ssh-keygen -q -t rsa -b 2048 -N not-empty -C test -f "+key); err != nil {
		t.Fatal(err)
	}
	before, _ := h.Exec(ctx, "sha256sum "+key+" "+key+".pub")
	m := &ReplicationKey{Peer: engine.HostRef{Name: "secondary", Address: "127.0.9.2"}}
	res, err := m.Run(ctx, envOn(t, hosts, "primary", "replication_keys"))
	if err == nil || res.Changed {
		t.Fatalf("a key with a passphrase: changed %v, %v; want a failure", res.Changed, err)
	}
	for _, want := range []string{"on primary", "has a passphrase", "ssh-keygen -p -f " + key, "run sudo python"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if after, _ := h.Exec(ctx, "sha256sum "+key+" "+key+".pub"); after != before {
		t.Errorf("the key changed:\n%s\nthen\n%s", before, after)
	}
}

// TestPgWaitRunsOut waits for a secondary that the primary never lists:
// the wait ends saying what it last saw and how to wait again, without
// copying anything anew.
func TestPgWaitRunsOut(t *testing.T) {
	h := sim.StartHost(t, sim.HostOptions{Name: "primary"})
	env := envOn(t, connectHosts(t, h), "primary", "replicate")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	versionNum, err := serverVersionNum(ctx, env.Host)
	if err != nil {
		t.Fatal(err)
	}
	m := &PgReplicate{Secondary: engine.HostRef{Name: "secondary", Address: "127.0.9.9"}, Wait: "2s"}
	_, err = m.waitStreaming(ctx, env, versionNum)
	if !errors.Is(err, ErrNotStreaming) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waitStreaming = %v, want ErrNotStreaming at the wait's end", err)
	}
	for _, want := range []string{"127.0.9.9 on primary", "the wait (2s) ran out", "last seen: it is not listed in pg_stat_replication", "--resume", "-var pg_wait", "not copied again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}

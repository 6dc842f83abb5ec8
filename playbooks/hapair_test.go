package playbooks_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/sshtransport"
	"github.com/runbookhq/runbook/internal/sim"
	_ "github.com/runbookhq/runbook/modules"
	_ "github.com/runbookhq/runbook/modules/alation"
	"github.com/runbookhq/runbook/playbooks"
)

// mongoCatchUp is how long the simulated MongoDB takes to catch up after
// replication starts: the playbook's first reading, right after setup,
// still shows hours of lag, and its next, one interval (2 s) later, none.
const mongoCatchUp = 2 * time.Second

// preflightTasks are the tasks that only read; a fault must stop the run
// among them.
var preflightTasks = map[string]bool{
	"facts": true, "port_ssh": true, "port_postgres": true, "port_mongo": true, "port_kvstore": true,
	"version_known": true, "same_version": true, "supported_version": true, "services_running": true, "primary_mode": true,
	"secondary_mode": true, "distinct_machines": true, "clean_logins": true, "listen_for_peer": true, "ssh_knows_host_keys": true, "preflight": true,
	"secondary_disks": true,
}

// TestHAPair turns a fresh pair of each layout into a replicating pair,
// asking once before the secondary's PostgreSQL data is replaced, then
// runs the playbook again and expects no change and no question. The 4.x pair
// replicates PostgreSQL in-line (cluster_add_slaves); the 3.x pair is told
// to minimize downtime, which takes steps 5a and 5b instead (and shows its
// version in ALATION_DIR/VERSION); the next pair starts with invalid disks
// on the secondary, which fix_disks configures; the last pair are clones
// sharing a machine id.
func TestHAPair(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		opts    sim.PairOptions
		vars    []string
		inline  bool
		diskFix bool
	}{
		{"4.7.2", pairOf("4.7.2", sim.Faults{}), nil, true, false},
		{"3.12.1", versionInFile(pairOf("3.12.1", sim.Faults{})), []string{"minimize_downtime=true"}, false, false},
		{"fix disks", pairOf("4.7.2", sim.Faults{InvalidDisks: true}), []string{"fix_disks=true", "data_disk=/data", "backup_disk=/backup"}, true, true},
		{"cloned machine id", clonedMachineID(pairOf("4.7.2", sim.Faults{})), nil, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pair := sim.StartPair(t, tt.opts)
			first, second := setUpTwice(t, pair, tt.vars...)
			checkFacts(t, first, pair, false)
			checkFacts(t, second, pair, true)
			if disks, _ := find(first, "fix_secondary_disks@secondary"); (disks.Status == engine.StatusChanged) != tt.diskFix {
				t.Errorf("fix_secondary_disks is %s; want a change only when fixing", disks.Status)
			}
			if out := outputsOf(t, first, "mongo_caught_up", "primary"); out["caught_up"] != true {
				t.Errorf("mongo_caught_up outputs = %v, want caught_up", out)
			}
			if out := outputsOf(t, first, "replicate", "primary"); out["inline"] != tt.inline {
				t.Errorf("replicate outputs = %v, want inline %v", out, tt.inline)
			}
			wantInLine := map[bool]string{true: "True", false: "False"}[tt.inline]
			if got, err := pair.Secondary.Conf(context.Background(), "alation.cluster.pg_repl_in_line"); err != nil || got != wantInLine {
				t.Errorf("pg_repl_in_line on the secondary = %q, %v; want %s", got, err, wantInLine)
			}
		})
	}
}

// setUpTwice runs the bundled playbook on pair with the extra variables
// twice: the first run sets the pair up, asking once before the
// secondary's data is replaced; the second asks nothing and changes
// nothing. After each it checks on the hosts that the secondary streams.
// It returns the reports of both runs.
func setUpTwice(t *testing.T, pair *sim.Pair, vars ...string) (first, second *engine.Report) {
	t.Helper()
	start := time.Now()
	first, confirms, err := runPlaybook(t, pair, vars...)
	t.Logf("first run (setup) took %s", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("first run: %v\n%s", err, summary(first))
	}
	if len(confirms) != 1 || confirms[0] != "confirm_replace@local" {
		t.Errorf("first run asked %v, want confirm_replace@local once", confirms)
	}
	checkReplicating(t, pair)
	start = time.Now()
	second, confirms, err = runPlaybook(t, pair, vars...)
	t.Logf("second run (no change) took %s", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, summary(second))
	}
	if len(confirms) != 0 {
		t.Errorf("second run asked %v; nothing is left to replace", confirms)
	}
	for _, inst := range second.Instances {
		if inst.Status != engine.StatusOK && (inst.Status != engine.StatusSkipped || inst.Err != nil) {
			t.Errorf("second run: %s is %s, want ok (or skipped by its when)", inst.ID(), inst.Status)
		}
	}
	checkReplicating(t, pair)
	return first, second
}

// checkFacts checks what the facts of the primary said: whether the
// secondary streamed from it, and, the pair sharing one machine, the
// primary's own address behind a local route.
func checkFacts(t *testing.T, report *engine.Report, pair *sim.Pair, streaming bool) {
	t.Helper()
	out := outputsOf(t, report, "facts", "primary")
	if out["pg_streams_to_peer"] != streaming {
		t.Errorf("facts@primary pg_streams_to_peer = %v, want %v", out["pg_streams_to_peer"], streaming)
	}
	if out["peer_local"] != true || out["source_address"] != pair.Primary.Address || out["source_cidr"] != pair.Primary.Address+"/8" {
		t.Errorf("facts@primary route: peer_local %v, source %v, %v; want a local route from %s/8",
			out["peer_local"], out["source_address"], out["source_cidr"], pair.Primary.Address)
	}
}

// pairOf describes a pair of the given version whose Mongo catches up in
// seconds, the secondary starting with faults.
func pairOf(version string, faults sim.Faults) sim.PairOptions {
	return sim.PairOptions{
		Primary:   sim.HostOptions{Version: version, MongoCatchUp: mongoCatchUp},
		Secondary: sim.HostOptions{Version: version, MongoCatchUp: mongoCatchUp, Faults: faults},
	}
}

// versionInFile makes both hosts of o show their version in
// ALATION_DIR/VERSION rather than in the package database.
func versionInFile(o sim.PairOptions) sim.PairOptions {
	o.Primary.VersionSource, o.Secondary.VersionSource = sim.VersionInFile, sim.VersionInFile
	return o
}

// clonedMachineID gives both hosts of o one machine id, as VMs cloned
// from one template have.
func clonedMachineID(o sim.PairOptions) sim.PairOptions {
	o.Primary.MachineID, o.Secondary.MachineID = "4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910", "4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910"
	return o
}

// TestHAPairFaults starts pairs with one thing wrong each and checks that
// the run stops in preflight, naming the host and the step, with nothing
// changed on either host.
func TestHAPairFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      sim.PairOptions
		failed    string // the instance that must fail, task@host
		mentions  []string
		mentionOf func(p *sim.Pair) string // an address the error must name
	}{
		{
			name:      "version mismatch",
			opts:      sim.PairOptions{Secondary: sim.HostOptions{Version: "4.6.1"}},
			failed:    "same_version@local",
			mentions:  []string{"4.7.2", "4.6.1"},
			mentionOf: func(p *sim.Pair) string { return p.Secondary.Address },
		},
		{
			name:      "version shown nowhere",
			opts:      sim.PairOptions{Secondary: sim.HostOptions{VersionSource: sim.VersionNowhere}},
			failed:    "version_known@local",
			mentions:  []string{"unknown", "-var alation_version=4.7.2"},
			mentionOf: func(p *sim.Pair) string { return p.Secondary.Address },
		},
		{
			name:      "4.8 and later",
			opts:      sim.PairOptions{Primary: sim.HostOptions{Version: "4.8.0"}, Secondary: sim.HostOptions{Version: "4.8.0"}},
			failed:    "supported_version@local",
			mentions:  []string{"4.8", "4.7 and below"},
			mentionOf: func(p *sim.Pair) string { return p.Primary.Address },
		},
		{
			name:      "secondary in master mode",
			opts:      sim.PairOptions{Secondary: sim.HostOptions{Faults: sim.Faults{ReplicationMode: "master"}}},
			failed:    "secondary_mode@local",
			mentions:  []string{"master mode", "cluster_enter_standalone_mode"},
			mentionOf: func(p *sim.Pair) string { return p.Secondary.Address },
		},
		{
			name:      "secondary of another primary",
			opts:      sim.PairOptions{Secondary: sim.HostOptions{Faults: sim.Faults{ReplicationMode: "slave"}}},
			failed:    "secondary_mode@local",
			mentions:  []string{sim.DefaultForeignMaster},
			mentionOf: func(p *sim.Pair) string { return p.Secondary.Address },
		},
		{
			name:      "invalid disks without fix",
			opts:      sim.PairOptions{Secondary: sim.HostOptions{Faults: sim.Faults{InvalidDisks: true}}},
			failed:    "secondary_disks@secondary",
			mentions:  []string{sim.MissingDataDisk, "fix"},
			mentionOf: func(*sim.Pair) string { return "secondary" },
		},
		{
			name:      "services stopped",
			opts:      sim.PairOptions{Secondary: sim.HostOptions{Faults: sim.Faults{ServicesStopped: true}}},
			failed:    "services_running@local",
			mentions:  []string{"/etc/init.d/alation start"},
			mentionOf: func(p *sim.Pair) string { return p.Secondary.Address },
		},
		{
			name:      "closed port",
			opts:      sim.PairOptions{Secondary: sim.HostOptions{Faults: sim.Faults{ClosedPorts: []int{27017}}}},
			failed:    "port_mongo@primary",
			mentions:  []string{"27017"},
			mentionOf: func(p *sim.Pair) string { return p.Secondary.Address },
		},
		{
			name:      "motd",
			opts:      sim.PairOptions{Secondary: sim.HostOptions{Faults: sim.Faults{MOTD: sim.DefaultMOTD}}},
			failed:    "clean_logins@local",
			mentions:  []string{".hushlogin", sim.DefaultMOTD},
			mentionOf: func(p *sim.Pair) string { return p.Secondary.Address },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pair := sim.StartPair(t, tt.opts)
			checkPreflightStop(t, pair, tt.failed, append(tt.mentions, tt.mentionOf(pair))...)
		})
	}
}

// checkPreflightStop runs the bundled playbook on pair and checks that it
// stops in preflight, asking nothing: the instance failed (task@host)
// fails with an error naming its task and each of mentions, nothing after
// preflight runs, and both hosts are unchanged.
func checkPreflightStop(t *testing.T, pair *sim.Pair, failed string, mentions ...string) {
	t.Helper()
	before := snapshot(t, pair)
	report, confirms, err := runPlaybook(t, pair)
	if !errors.Is(err, engine.ErrTaskFailed) {
		t.Fatalf("run error = %v, want a failed task\n%s", err, summary(report))
	}
	if len(confirms) != 0 {
		t.Errorf("the run asked %v; it must stop before", confirms)
	}
	var failures []string
	for _, inst := range report.Instances {
		switch {
		case inst.Status == engine.StatusFailed:
			failures = append(failures, inst.ID())
			if !preflightTasks[inst.Task] {
				t.Errorf("%s failed, which is not a preflight step: %v", inst.ID(), inst.Err)
			}
		case !preflightTasks[inst.Task] && inst.Status != engine.StatusSkipped:
			t.Errorf("%s is %s; nothing after preflight may run", inst.ID(), inst.Status)
		}
	}
	inst, ok := find(report, failed)
	if !ok || inst.Status != engine.StatusFailed {
		t.Fatalf("%s did not fail; failed: %v\n%s", failed, failures, summary(report))
	}
	msg := inst.Err.Error()
	for _, want := range append(mentions, inst.Task) {
		if !strings.Contains(msg, want) {
			t.Errorf("error of %s does not mention %q: %s", failed, want, msg)
		}
	}
	t.Logf("%s: %s", failed, msg)
	if after := snapshot(t, pair); after != before {
		t.Errorf("the hosts changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestBundledPlaybookPlans loads the bundled playbook and plans it with no
// host reachable, as runbook validate does.
func TestBundledPlaybookPlans(t *testing.T) {
	if got := playbooks.Names(); len(got) != 1 || got[0] != "ha-pair" {
		t.Errorf("Names() = %v, want [ha-pair]", got)
	}
	p, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: []string{"primary=10.0.0.2", "secondary=10.0.0.3"}})
	requireNoErrors(t, p, diags)
	plan, diags := p.Plan()
	requireNoErrors(t, p, diags)
	ids := map[string]engine.PlannedInstance{}
	for _, inst := range plan.Instances {
		ids[inst.ID()] = inst
	}
	for _, id := range []string{"facts@primary", "facts@secondary", "secondary_disks@secondary", "keys@primary", "replicate@primary", "mongo_caught_up@primary"} {
		if _, ok := ids[id]; !ok {
			t.Errorf("plan has no %s", id)
		}
	}
	// Whether the run asks depends on what the facts find; the plan still
	// says the step before the first change may ask.
	if c := ids["confirm_replace@local"].Confirm; c != engine.KnownAfterRun {
		t.Errorf("confirm_replace confirm = %q, want %q", c, engine.KnownAfterRun)
	}
	if got := ids["cluster_hosts@primary"].Description; !strings.Contains(got, "['10.0.0.3/32']") {
		t.Errorf("cluster_hosts would %q, want the secondary's /32", got)
	}
}

// TestBundledPlaybookRejectsBadVars checks the variables' validation.
func TestBundledPlaybookRejectsBadVars(t *testing.T) {
	for _, vars := range [][]string{
		{"secondary=10.0.0.3"},
		{"primary=10.0.0.2", "secondary=10.0.0.3", "ssh_port=70000"},
		{"primary=10.0.0.2", "secondary=10.0.0.3", "secondary_cidr=10.0.0.3"},
		{"primary=10.0.0.2", "secondary=10.0.0.3", "data_disk=data"},
		{"primary=10.0.0.2 ; x", "secondary=10.0.0.3"},
	} {
		if _, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: vars}); !diags.HasErrors() {
			t.Errorf("vars %q were accepted", vars)
		}
	}
}

// runPlaybook loads the bundled playbook with the pair's variables and
// extra ones (NAME=VALUE) and runs it over SSH, confirming every question;
// it returns the report and the instances that asked, in asking order.
func runPlaybook(t *testing.T, pair *sim.Pair, extra ...string) (*engine.Report, []string, error) {
	t.Helper()
	p, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{Vars: playbookVars(pair, extra...), Environ: []string{}})
	requireNoErrors(t, p, diags)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return runOnPair(ctx, t, pair, p, engine.RunOptions{})
}

// playbookVars returns the variables (NAME=VALUE) of the bundled playbook
// that target pair, with short waits, then extra ones.
func playbookVars(pair *sim.Pair, extra ...string) []string {
	var vars []string
	for _, arg := range pair.Vars() {
		if arg != "-var" {
			vars = append(vars, arg)
		}
	}
	vars = append(vars, "identity_file="+pair.KeyPath, "pg_wait=2m", "mongo_wait=2m")
	return append(vars, extra...)
}

// runOnPair runs p over SSH on pair's hosts in ctx with opts, its Connect and
// Subscribers filled in and, unless opts has one, a Confirm that says yes to
// every question; it returns the report and the instances that asked, in
// asking order.
func runOnPair(ctx context.Context, t *testing.T, pair *sim.Pair, p *engine.Playbook, opts engine.RunOptions) (*engine.Report, []string, error) {
	t.Helper()
	var (
		mu    sync.Mutex
		asked []string
	)
	opts.Connect = func(h engine.HostConfig) (transport.Host, error) {
		cfg := sshtransport.ForHost(h)
		cfg.KnownHostsFiles = []string{pair.KnownHostsPath}
		cfg.HostKeyChecking = sshtransport.Strict
		cfg.SSHConfigFile = "none"
		cfg.AgentSocket = "none"
		cfg.ConnectTimeout = 10 * time.Second
		return sshtransport.New(cfg)
	}
	answer := opts.Confirm
	if answer == nil {
		answer = func(context.Context, engine.InstanceInfo) (bool, error) { return true, nil }
	}
	opts.Confirm = func(ctx context.Context, inst engine.InstanceInfo) (bool, error) {
		t.Logf("%s asks: %s", inst.ID(), inst.Confirm)
		if !strings.Contains(inst.Confirm, "replaces the secondary's PostgreSQL data") {
			t.Errorf("%s asks %q, which does not say what it replaces", inst.ID(), inst.Confirm)
		}
		mu.Lock()
		asked = append(asked, inst.ID())
		mu.Unlock()
		return answer(ctx, inst)
	}
	opts.Subscribers = append(opts.Subscribers, engine.SubscriberFunc(func(e engine.Event) {
		switch e.Kind {
		case engine.EventProgress:
			t.Logf("%s@%s: %s", e.Task, e.Host, e.Line)
		case engine.EventTaskFinished:
			t.Logf("%s@%s: %s in %s %s", e.Task, e.Host, e.Status, e.Duration.Round(time.Millisecond), e.Error)
		}
	}))
	report, err := engine.Run(ctx, p, opts)
	mu.Lock()
	defer mu.Unlock()
	return report, asked, err
}

// checkReplicating checks on the hosts that the secondary streams from the
// primary: pg_stat_replication, recovery, a row written on the primary
// read on the secondary, and the cluster settings of both.
func checkReplicating(t *testing.T, pair *sim.Pair) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	prim, sec := pair.Primary, pair.Secondary
	rows, err := prim.PSQL(ctx, "SELECT client_addr, state FROM pg_stat_replication")
	if err != nil || !strings.Contains(rows, sec.Address+"|streaming") {
		t.Errorf("pg_stat_replication on the primary = %q, %v; want %s streaming", rows, err, sec.Address)
	}
	if got, err := sec.PSQL(ctx, "SELECT pg_is_in_recovery(), sender_host FROM pg_stat_wal_receiver"); err != nil || got != "t|"+prim.Address {
		t.Errorf("pg_is_in_recovery() and pg_stat_wal_receiver.sender_host on the secondary = %q, %v; want t|%s", got, err, prim.Address)
	}
	mark := fmt.Sprintf("runbook-%d", time.Now().UnixNano())
	if _, err := prim.PSQL(ctx, "CREATE TABLE IF NOT EXISTS runbook_probe (v text); INSERT INTO runbook_probe VALUES ('"+mark+"')"); err != nil {
		t.Fatalf("write on the primary: %v", err)
	}
	for {
		got, err := sec.PSQL(ctx, "SELECT count(*) FROM runbook_probe WHERE v = '"+mark+"'")
		if err == nil && got == "1" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the row written on the primary never reached the secondary: %q, %v", got, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	want := []struct {
		host       *sim.Host
		key, value string
	}{
		{prim, "alation.cluster.replication_mode", "master"},
		{prim, "alation.cluster.hosts", "['" + sec.Address + "/32']"},
		{sec, "alation.cluster.replication_mode", "slave"},
	}
	for _, w := range want {
		if got, err := w.host.Conf(ctx, w.key); err != nil || got != w.value {
			t.Errorf("%s on the %s = %q, %v; want %q", w.key, w.host.Name, got, err, w.value)
		}
	}
}

// snapshot describes what a run could change on the pair's hosts: the
// cluster settings, the disk caches, the replication key, and the SSH
// user's home, .ssh and authorized_keys with their modes.
func snapshot(t *testing.T, pair *sim.Pair) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var b strings.Builder
	for _, h := range pair.Hosts() {
		for _, key := range []string{"alation.cluster.replication_mode", "alation.cluster.hosts", "alation.cluster.pg_repl_in_line"} {
			out, err := h.Shell(ctx, "alation_conf "+key)
			if err != nil {
				t.Fatalf("read %s on the %s: %v", key, h.Name, err)
			}
			fmt.Fprintf(&b, "%s %s", h.Name, out)
		}
		standby, err := h.Exec(ctx, "if [ -e /data/pgsql/15/data/standby.signal ]; then echo standby; else echo not a standby; fi")
		if err != nil {
			t.Fatalf("read whether PostgreSQL is a standby on the %s: %v", h.Name, err)
		}
		fmt.Fprintf(&b, "%s PostgreSQL %s", h.Name, standby)
		script := fmt.Sprintf(`cd %[1]s && tail -n +1 .disk1_cache .disk2_cache
for f in home/alation/.ssh/replication_rsa home/alation/.ssh/replication_rsa.pub ~%[2]s ~%[2]s/.ssh ~%[2]s/.ssh/authorized_keys ~%[2]s/.hushlogin; do
	if [ -e "$f" ]; then stat -c '%%n %%a %%U:%%G %%s' "$f"; else echo "$f absent"; fi
done
cat ~%[2]s/.ssh/authorized_keys 2>/dev/null | sha256sum`, h.AlationDir, pair.User)
		out, err := h.Exec(ctx, script)
		if err != nil {
			t.Fatalf("inspect the %s: %v", h.Name, err)
		}
		fmt.Fprintf(&b, "%s:\n%s", h.Name, out)
	}
	return b.String()
}

// find returns the result of the instance id.
func find(report *engine.Report, id string) (engine.InstanceResult, bool) {
	if report == nil {
		return engine.InstanceResult{}, false
	}
	for _, inst := range report.Instances {
		if inst.ID() == id {
			return inst, true
		}
	}
	return engine.InstanceResult{}, false
}

// outputsOf returns the outputs of task on host, failing t when it has
// none.
func outputsOf(t *testing.T, report *engine.Report, task, host string) map[string]any {
	t.Helper()
	inst, ok := find(report, task+"@"+host)
	if !ok || inst.Outputs == nil {
		t.Fatalf("no outputs of %s@%s", task, host)
	}
	return inst.Outputs
}

// summary lists each instance's status and error, sorted, for failure
// messages.
func summary(report *engine.Report) string {
	if report == nil {
		return "(no report)"
	}
	var lines []string
	for _, inst := range report.Instances {
		line := fmt.Sprintf("  %-28s %s", inst.ID(), inst.Status)
		if inst.Err != nil {
			line += ": " + inst.Err.Error()
		}
		if inst.StderrTail != "" {
			line += " [stderr: " + strings.ReplaceAll(inst.StderrTail, "\n", "; ") + "]"
		}
		lines = append(lines, line)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// requireNoErrors fails t with the diagnostics when there are errors.
func requireNoErrors(t *testing.T, p *engine.Playbook, diags hcl.Diagnostics) {
	t.Helper()
	if !diags.HasErrors() {
		return
	}
	var files map[string]*hcl.File
	if p != nil {
		files = p.Files()
	}
	var b strings.Builder
	w := hcl.NewDiagnosticTextWriter(&b, files, 100, false)
	if err := w.WriteDiagnostics(diags); err != nil {
		fmt.Fprintf(&b, "%v", diags)
	}
	t.Fatalf("load the bundled playbook:\n%s", b.String())
}

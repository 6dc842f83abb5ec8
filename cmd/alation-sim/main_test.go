package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/internal/sim"
	"github.com/runbookhq/runbook/internal/sim/hostconf"
	_ "github.com/runbookhq/runbook/modules"         // registers the modules the playbook uses
	_ "github.com/runbookhq/runbook/modules/alation" // registers the Alation modules
	"github.com/runbookhq/runbook/playbooks"
)

func TestFaultFlags(t *testing.T) {
	var opts sim.PairOptions
	f := faultFlags{"secondary:motd", "secondary:closed-port=27017", "primary:mode=slave", "primary:master=127.0.9.9",
		"primary:invalid-disks", "primary:stopped", "secondary:version=4.8.0", "secondary:motd=hello", "primary:version-in=file"}
	if err := f.apply(&opts); err != nil {
		t.Fatal(err)
	}
	want := sim.Faults{InvalidDisks: true, ServicesStopped: true, ReplicationMode: "slave", Master: "127.0.9.9"}
	if !reflect.DeepEqual(opts.Primary.Faults, want) {
		t.Errorf("primary faults %+v, want %+v", opts.Primary.Faults, want)
	}
	if opts.Primary.VersionSource != sim.VersionInFile {
		t.Errorf("primary version source %q, want %q", opts.Primary.VersionSource, sim.VersionInFile)
	}
	if s := opts.Secondary; s.Faults.MOTD != "hello" || !reflect.DeepEqual(s.Faults.ClosedPorts, []int{27017}) || s.Version != "4.8.0" {
		t.Errorf("secondary %+v", s)
	}
	for _, bad := range []string{"motd", "tertiary:motd", "primary:nope", "primary:closed-port=x"} {
		if err := (faultFlags{bad}).apply(&opts); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != 2 || errb.Len() == 0 {
		t.Errorf("no arguments: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"up", "-h"}, &out, &errb); code != 0 || !bytes.Contains(errb.Bytes(), []byte("-fault")) {
		t.Errorf("up -h: exit %d, stderr %q", code, errb.String())
	}
}

// TestVarFileTargetsPair loads the bundled playbook with a var file, with
// a profile's variables, and checks that its hosts are the pair's,
// quoting included, and that only its owner may read it.
func TestVarFileTargetsPair(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, `key "q" ${x} %{y} \z`)
	p := &sim.Pair{
		Primary:   &sim.Host{Name: "primary", Address: "127.0.3.1", SSHPort: 2222},
		Secondary: &sim.Host{Name: "secondary", Address: "127.0.3.2", SSHPort: 2222},
		User:      "admin", KeyPath: key, Dir: dir,
	}
	path, err := writeVarFile(p, "mongo_user=monitor", `mongo_password=p"w ${x}`)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("var file mode: %v, %v; want 0600", fi.Mode(), err)
	}
	pb, diags := engine.LoadFS(playbooks.FS, ".", engine.LoadOptions{VarFiles: []string{path}})
	if diags.HasErrors() {
		t.Fatalf("load ha-pair with %s: %v", path, diags)
	}
	want := map[string]string{"primary": "127.0.3.1", "secondary": "127.0.3.2"}
	for _, h := range pb.Hosts() {
		addr, ok := want[h.Name]
		if !ok {
			continue
		}
		delete(want, h.Name)
		if h.Address != addr || h.Port != 2222 || h.User != "admin" || h.IdentityFile != key {
			t.Errorf("host %s: %+v", h.Name, h)
		}
	}
	if len(want) > 0 {
		t.Errorf("hosts %v missing", want)
	}
}

func TestStatusWithoutPair(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"status", "-dir", t.TempDir()}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no simulated pair") {
		t.Errorf("status of an empty directory: exit %d, stderr %q", code, errb.String())
	}
}

// TestUpStatusDown runs up, status before and after replication is set up
// by hand on the hosts, and down, as an operator would.
func TestUpStatusDown(t *testing.T) {
	sim.RequireDeps(t)
	dir := filepath.Join(searchableTempDir(t), "pair")
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(dir, "pair.json")); err == nil {
			if err := sim.Down(dir); err != nil {
				t.Errorf("down: %v", err)
			}
		}
	})
	out := mustRun(t, 0, "up", "-dir", dir, "-mongo-catch-up", "1ms")
	varFile, knownHosts := filepath.Join(dir, "pair.vars.hcl"), filepath.Join(dir, "known_hosts")
	if want := "runbook run ha-pair -var-file " + varFile + " --known-hosts " + knownHosts + "\n"; !strings.Contains(out, want) {
		t.Errorf("up does not print %q:\n%s", want, out)
	}
	for _, f := range []string{varFile, knownHosts} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}

	out = mustRun(t, 1, "status", "-dir", dir)
	for _, want := range []string{"replication_mode     standalone", "pg_is_in_recovery    f",
		"Replication: not streaming\n", "the primary's replication_mode is standalone, not master"} {
		if !strings.Contains(out, want) {
			t.Errorf("status of a fresh pair lacks %q:\n%s", want, out)
		}
	}

	p, err := sim.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	replicate(t, p)
	deadline := time.Now().Add(time.Minute)
	for {
		var stdout, stderr bytes.Buffer
		code := run([]string{"status", "-dir", dir}, &stdout, &stderr)
		out = stdout.String()
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status after replication: exit %d\n%s%s", code, out, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"replication_mode     master", "streams from         " + p.Primary.Address,
		p.Secondary.Address + "        streaming", "pg_is_in_recovery    t", "mongo lag            " + p.Secondary.Address + ":27017: ",
		"\nReplication: streaming\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("status of a replicating pair lacks %q:\n%s", want, out)
		}
	}

	if _, err := p.Secondary.Alation(context.Background(), "stop"); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, 1, "status", "-dir", dir)
	if want := "Alation is stopped on the secondary (" + p.Secondary.Address + ")"; !strings.Contains(out, want) {
		t.Errorf("status with the secondary stopped lacks %q:\n%s", want, out)
	}

	mustRun(t, 0, "down", "-dir", dir)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s after down: %v", dir, err)
	}
}

// mustRun runs the command line, fails t unless it exits with code, and
// returns its standard output.
func mustRun(t *testing.T, code int, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if got := run(args, &out, &errb); got != code {
		t.Fatalf("%s: exit %d, want %d\n%s%s", strings.Join(args, " "), got, code, out.String(), errb.String())
	}
	return out.String()
}

// replicate sets up replication from p's primary to its secondary on the
// hosts, without SSH from the test: the key exchange script on both hosts,
// the primary's key authorized on the secondary, master mode, cluster
// hosts and cluster_add_slaves, which replicates PostgreSQL in-line.
func replicate(t *testing.T, p *sim.Pair) {
	t.Helper()
	ctx := context.Background()
	var primaryKey string
	for _, pair := range [][2]*sim.Host{{p.Secondary, p.Primary}, {p.Primary, p.Secondary}} {
		h, peer := pair[0], pair[1]
		out, err := h.Exec(ctx, "python3 "+hostconf.KeyExchangeScript(h.AlationDir)+" "+peer.Address)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "ssh-rsa ") {
				primaryKey = line
			}
		}
	}
	// Both hosts' keys, as the operator's answers at step 3's first logins
	// record them.
	known, err := os.ReadFile(p.KnownHostsPath)
	if err != nil {
		t.Fatal(err)
	}
	trust := "printf '%s' " + shellquote.Quote(string(known)) + " >> " + hostconf.ChrootHome + "/.ssh/known_hosts"
	steps := []struct {
		h   *sim.Host
		cmd string
	}{
		{p.Secondary, `printf '%s\n' '` + primaryKey + `' >> "$(getent passwd ` + p.User + ` | cut -d: -f6)/.ssh/authorized_keys"`},
		{p.Primary, trust},
		{p.Secondary, trust},
		{p.Primary, hostconf.InitScript + " shell -c 'alation_action cluster_enter_master_mode'"},
		{p.Primary, hostconf.InitScript + " shell -c 'alation_conf alation.cluster.hosts -s " + p.Secondary.Address + "/32'"},
		{p.Primary, hostconf.InitScript + " shell -c 'alation_action cluster_add_slaves'"},
	}
	for _, s := range steps {
		if _, err := s.h.Exec(ctx, s.cmd); err != nil {
			t.Fatal(err)
		}
	}
}

// searchableTempDir returns a temporary directory whose parents let
// PostgreSQL's user through.
func searchableTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != filepath.Dir(os.TempDir()) && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

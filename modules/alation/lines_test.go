package alation

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// controlCharacters are characters a value fed to the Alation shell line
// by line must not hold.
var controlCharacters = []string{"\n", "\r", "\x00", "\t", "\x1b", "\x7f", "\u0085"}

// TestValuesRefuseControlCharacters gives each argument that reaches a
// line of a script a control character: Validate refuses it, naming the
// argument.
func TestValuesRefuseControlCharacters(t *testing.T) {
	for _, c := range controlCharacters {
		bad := "a.b" + c + "touch /tmp/x"
		for _, tt := range []struct {
			arg string
			m   engine.Validator
		}{
			{"get", &AlationShell{Get: bad}},
			{"key", &AlationShell{Key: bad, Value: "x"}},
			{"value", &AlationShell{Key: "a.b", Value: bad}},
			{"values", &AlationShell{Key: "a.b", Values: []string{"ok", bad}}},
			{"set", &AlationShell{Set: &SetConf{Key: "a.b", Value: bad}}},
			{"set", &AlationShell{Set: &SetConf{Key: bad, Value: "x"}}},
			{"action", &AlationShell{Action: "cluster_enter_master_mode" + c, Unguarded: true}},
			{"data_path", &DiskCheck{Fix: true, DataPath: "/data" + c, BackupPath: "/backup"}},
			{"peer_address", &KeyExchange{Peer: engine.HostRef{Name: "s"}, PeerAddress: "10.0.0.3" + c, SelfAddress: "10.0.0.2", SSHUser: "u", SSHPort: 22}},
			{"peer", &Facts{Peer: engine.HostRef{Name: "s", Address: "10.0.0.3" + c}}},
		} {
			err := tt.m.Validate()
			var ae *engine.ArgError
			if !errors.As(err, &ae) || ae.Arg != tt.arg || !strings.Contains(err.Error(), "control character") {
				t.Errorf("%T with %q in %s: Validate = %v; want an error about the argument's control character", tt.m, c, tt.arg, err)
			}
		}
	}
}

// TestAddressesRefuseOptions gives the modules that pass addresses to
// commands on the hosts an address that would be read as an option.
func TestAddressesRefuseOptions(t *testing.T) {
	for _, tt := range []struct {
		arg string
		m   engine.Validator
	}{
		{"peer_address", &KeyExchange{Peer: engine.HostRef{Name: "s"}, PeerAddress: "-oProxyCommand=x", SelfAddress: "10.0.0.2", SSHUser: "u", SSHPort: 22}},
		{"self_address", &KeyExchange{Peer: engine.HostRef{Name: "s"}, PeerAddress: "10.0.0.3", SelfAddress: "-v", SSHUser: "u", SSHPort: 22}},
		{"self_address", &KeyExchange{Peer: engine.HostRef{Name: "s"}, PeerAddress: "10.0.0.3", SSHUser: "u", SSHPort: 22}},
		{"peer", &Facts{Peer: engine.HostRef{Name: "s", Address: "-4"}}},
		{"self_address", &Facts{Peer: engine.HostRef{Name: "s", Address: "10.0.0.3"}, SelfAddress: "10.0.0.2 -x"}},
	} {
		var ae *engine.ArgError
		if err := tt.m.Validate(); !errors.As(err, &ae) || ae.Arg != tt.arg {
			t.Errorf("%+v: Validate = %v; want an error about %s", tt.m, err, tt.arg)
		}
	}
	if err := (&Facts{Peer: engine.HostRef{Name: "s", Address: "fe80::1"}, SelfAddress: "db-2.example.com"}).Validate(); err != nil {
		t.Errorf("good addresses: %v", err)
	}
}

// refusingHost fails the test when anything is run on it.
type refusingHost struct {
	transport.Host
	t *testing.T
}

func (h refusingHost) Run(context.Context, transport.Command) (transport.Result, error) {
	h.t.Error("a command was sent to the host")
	return transport.Result{}, errors.New("refused")
}

// TestRunInShellRefusesControlCharacters feeds runInShell a line holding
// a control character, as a value no Validate checked would make it:
// nothing reaches the host.
func TestRunInShellRefusesControlCharacters(t *testing.T) {
	for _, c := range controlCharacters {
		_, err := runInShell(context.Background(), refusingHost{t: t}, "alation_conf a.b", "alation_conf "+shellquote.Quote("a"+c+"b"))
		if err == nil || !strings.Contains(err.Error(), "control character") {
			t.Errorf("line with %q: %v; want it refused", c, err)
		}
	}
}

// TestShellValuesCheckedAtLoad loads a playbook whose alation_shell values
// hold a newline and a command: each is refused when the playbook loads,
// at its argument, naming the task and the argument, also in a task where
// another argument is known only after a run.
func TestShellValuesCheckedAtLoad(t *testing.T) {
	src := `task "alation_facts" "facts" {}
task "alation_shell" "get" {
  get = "alation.cluster.hosts\ntouch /tmp/x"
}
task "alation_shell" "value" {
  key   = "alation.cluster.hosts"
  value = "x\ntouch /tmp/x\n"
}
task "alation_shell" "values" {
  key    = task.facts.pg_upstream
  values = ["10.0.0.3/32", "x\rtouch /tmp/x"]
}
task "alation_shell" "set" {
  set = { key = "alation.cluster.replication_mode", value = "x\ntouch /tmp/x" }
}
task "alation_shell" "later" {
  key   = "alation.cluster.hosts"
  value = "${task.facts.pg_upstream}\ntouch /tmp/x"
}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := engine.Load(dir, engine.LoadOptions{Environ: []string{}})
	want := map[int]string{3: "get", 7: "value", 11: "values", 14: "set"}
	for _, d := range diags {
		if d.Severity != hcl.DiagError || d.Subject == nil {
			t.Errorf("unexpected diagnostic: %s: %s", d.Summary, d.Detail)
			continue
		}
		arg, ok := want[d.Subject.Start.Line]
		if !ok {
			t.Errorf("unexpected error on line %d: %s", d.Subject.Start.Line, d.Detail)
			continue
		}
		delete(want, d.Subject.Start.Line)
		for _, s := range []string{"Task " + arg + ",", fmt.Sprintf("argument %q", arg), "control character"} {
			if !strings.Contains(d.Detail, s) {
				t.Errorf("line %d: the error does not say %s: %s", d.Subject.Start.Line, s, d.Detail)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("no errors at the lines of %v", want)
	}
}

// TestSafeToRepeat checks which Alation steps resume may run again after
// a cut-off.
func TestSafeToRepeat(t *testing.T) {
	for _, tt := range []struct {
		m    engine.Module
		safe bool
	}{
		{&Facts{}, true},
		{&MongoLag{}, true},
		{&DiskCheck{}, true},
		{&DiskCheck{Fix: true}, false},
		{&KeyExchange{}, true},
		{&AlationShell{Get: "a.b"}, true},
		{&AlationShell{Key: "a.b", Value: "x"}, true},
		{&AlationShell{Set: &SetConf{Key: "a.b", Value: "x"}}, true},
		{&AlationShell{Service: "start"}, true},
		{&AlationShell{Action: "cluster_enter_master_mode"}, true},
		{&AlationShell{Action: "cluster_add_slaves", Unguarded: true}, false},
		{&PgReplicate{}, false},
	} {
		r, ok := tt.m.(engine.Repeatable)
		if got := ok && r.SafeToRepeat(); got != tt.safe {
			t.Errorf("%T %+v: SafeToRepeat = %v, want %v", tt.m, tt.m, got, tt.safe)
		}
	}
}

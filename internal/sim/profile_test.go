package sim

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// TestParseProfile reads a profile whose shared knobs the per-host blocks
// override, and refuses unknown knobs.
func TestParseProfile(t *testing.T) {
	p, err := ParseProfile([]byte(`
description = "EL6 pair"
hosts {
  version     = "4.6.1"
  machine_id  = "dbus-only"
  conf_format = "python2"
  shell_role  = "alation"
  ssh_client  = "7.4"
}
secondary {
  ssh_client         = "5.3"
  host_key_type      = "rsa"
  key_script_prompts = true
  shell_sudo_denied = true
  conf_format     = "csv"
  bashrc_noise    = "hello"
  failing_actions = ["cluster_replicate_postgres"]
}
`), "el6.hcl")
	if err != nil {
		t.Fatal(err)
	}
	var o PairOptions
	if err := p.Apply(&o); err != nil {
		t.Fatal(err)
	}
	prim := HostOptions{Version: "4.6.1", MachineID: MachineIDDBusOnly, ConfFormat: hostconf.ConfPython2, ShellRole: "alation", SSHClient: hostconf.SSHClient74}
	sec := HostOptions{Version: "4.6.1", MachineID: MachineIDDBusOnly, ConfFormat: hostconf.ConfCSV, BashrcNoise: "hello",
		ShellRole: "alation", ShellSudoDenied: true, SSHClient: hostconf.SSHClient53, HostKeyType: HostKeyRSA, KeyScriptPrompts: true,
		Faults: Faults{FailingActions: []string{"cluster_replicate_postgres"}}}
	if !reflect.DeepEqual(o.Primary, prim) || !reflect.DeepEqual(o.Secondary, sec) {
		t.Errorf("applied:\n%+v\n%+v\nwant:\n%+v\n%+v", o.Primary, o.Secondary, prim, sec)
	}
	if p.Description != "EL6 pair" {
		t.Errorf("description %q", p.Description)
	}
	for _, bad := range []string{`description = "x"` + "\nhosts {\n  colour = \"red\"\n}\n", "hosts {}\n", `description = "x"` + "\nhosts {\n  version = [1]\n}\n"} {
		if _, err := ParseProfile([]byte(bad), "bad.hcl"); err == nil {
			t.Errorf("profile %q accepted", bad)
		}
	}
}

// TestProfileKnobsOfRealServers reads the knobs of Mongo authentication,
// local listening, status and disk-cache wordings and slow actions, and
// the playbook variables a profile gives.
func TestProfileKnobsOfRealServers(t *testing.T) {
	p, err := ParseProfile([]byte(`
description = "difficult pair"
hosts {
  mongo_user     = "monitor"
  mongo_password = "pw"
  status_format  = "supervisor"
}
secondary {
  local_only        = true
  down_services     = ["kvstore"]
  disk_cache_format = "sentence"
  slow_actions      = ["cluster_replicate_postgres"]
  action_delay      = "3s"
  replicate_delay   = "2m"
}
vars = {
  mongo_user     = "monitor"
  mongo_password = "pw"
}
`), "hard.hcl")
	if err != nil {
		t.Fatal(err)
	}
	var o PairOptions
	if err := p.Apply(&o); err != nil {
		t.Fatal(err)
	}
	prim := HostOptions{MongoUser: "monitor", MongoPassword: "pw", StatusFormat: hostconf.StatusSupervisor}
	sec := prim
	sec.LocalOnly, sec.DownServices, sec.DiskCacheFormat = true, []string{"kvstore"}, hostconf.DiskSentence
	sec.SlowActions, sec.ActionDelay = []string{"cluster_replicate_postgres"}, 3*time.Second
	sec.ReplicateDelay = 2 * time.Minute
	if !reflect.DeepEqual(o.Primary, prim) || !reflect.DeepEqual(o.Secondary, sec) {
		t.Errorf("applied:\n%+v\n%+v\nwant:\n%+v\n%+v", o.Primary, o.Secondary, prim, sec)
	}
	if got := p.VarArgs(); !reflect.DeepEqual(got, []string{"mongo_password=pw", "mongo_user=monitor"}) {
		t.Errorf("VarArgs() = %q", got)
	}
	for _, knob := range []string{"action_delay", "replicate_delay"} {
		bad, err := ParseProfile([]byte("description = \"x\"\nhosts {\n  "+knob+" = \"soon\"\n}\n"), "bad.hcl")
		if err != nil {
			t.Fatal(err)
		}
		if err := bad.Apply(&PairOptions{}); err == nil || !strings.Contains(err.Error(), knob) {
			t.Errorf("%s \"soon\": %v, want refused", knob, err)
		}
	}
}

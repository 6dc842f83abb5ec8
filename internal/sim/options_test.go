package sim

import (
	"strings"
	"testing"
)

func TestHostOptionsDefaults(t *testing.T) {
	o, err := HostOptions{Faults: Faults{ReplicationMode: "slave"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.User != DefaultUser || o.SSHPort != 22 || o.Version != DefaultVersion || o.Faults.Master != DefaultForeignMaster || o.HostKeyType != HostKeyEd25519 || o.ActionDelay != DefaultActionDelay {
		t.Fatalf("defaults not applied: %+v", o)
	}
	for _, bad := range []HostOptions{
		{Address: "10.0.0.1"},
		{Version: "3.20"},
		{Faults: Faults{ClosedPorts: []int{22}}},
		{Faults: Faults{ReplicationMode: "primary"}},
		{ShellRole: "postgres"},
		{ShellRole: "Alation; DROP ROLE x"},
		{SSHClient: "7.6"},
		{HostKeyType: "dsa"},
		{StatusFormat: "systemd"},
		{DownServices: []string{"kvstore"}},
		{StatusFormat: "initd", DownServices: []string{"web"}},
		{DiskCacheFormat: "json"},
		{MongoUser: "monitor"},
	} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestKnownHostsLine(t *testing.T) {
	if got := knownHostsLine("127.0.2.1", 22, "ssh-ed25519 AAAA root@x"); got != "127.0.2.1 ssh-ed25519 AAAA\n" {
		t.Errorf("port 22: %q", got)
	}
	if got := knownHostsLine("127.0.2.1", 2222, "ssh-ed25519 AAAA"); !strings.HasPrefix(got, "[127.0.2.1]:2222 ") {
		t.Errorf("port 2222: %q", got)
	}
}

package sim

import (
	"strings"
	"testing"
)

// TestShell checks the Alation shell's stdin mode, its tools and its exit
// status.
func TestShell(t *testing.T) {
	t.Parallel()
	h := StartHost(t, HostOptions{})
	script := `printf '%s\n' 'alation_conf alation.cluster.pg_repl_in_line' 'psql rosemeta -At' 'SELECT 40 + 2;'`
	out := mustSSH(t, h, script+" | sudo /etc/init.d/alation shell")
	if out != "alation.cluster.pg_repl_in_line = True\n42\n" {
		t.Fatalf("shell printed %q", out)
	}
	if _, err := ssh(t, h, "printf 'true\\nfalse\\n' | sudo /etc/init.d/alation shell"); err == nil || !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("last command failed, shell: %v", err)
	}
	_, err := ssh(t, h, inShell("alation_conf alation.cluster.nope"))
	errContains(t, err, "unknown configuration key")
	out = mustSSH(t, h, inShell("alation_conf alation.cluster.hosts -s \"[127.0.2.9/32,127.0.2.8/32]\""))
	if out != "alation.cluster.hosts = ['127.0.2.9/32', '127.0.2.8/32']\n" {
		t.Fatalf("set hosts printed %q", out)
	}
	dir, err := h.PSQL(bg, "SHOW data_directory")
	if err != nil || dir != "/data/pgsql/15/data" {
		t.Fatalf("data_directory %q, %v", dir, err)
	}
	_, err = ssh(t, h, inShell("mongo --quiet --eval 'rs.printSlaveReplicationInfo()'"))
	errContains(t, err, "no replication")
}

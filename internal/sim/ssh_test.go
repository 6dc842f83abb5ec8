package sim

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// ssh runs cmd on h with the openssh client, the simulation's key and
// known_hosts, and returns stdout; a non-zero exit is an error holding
// stderr.
func ssh(t *testing.T, h *Host, cmd string) (string, error) {
	t.Helper()
	c := exec.Command("ssh",
		"-F", "/dev/null",
		"-i", h.KeyPath,
		"-o", "UserKnownHostsFile="+h.KnownHostsPath,
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes",
		"-p", strconv.Itoa(h.SSHPort),
		"-l", h.User,
		h.Address, "--", cmd)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return out.String(), fmt.Errorf("ssh %s %q: %w: %s%s", h.Address, cmd, err, out.String(), errb.String())
	}
	return out.String(), nil
}

// mustSSH is ssh that fails the test on error.
func mustSSH(t *testing.T, h *Host, cmd string) string {
	t.Helper()
	out, err := ssh(t, h, cmd)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// inShell is the command line running cmd in the Alation shell.
func inShell(cmd string) string {
	return "sudo " + hostconf.InitScript + " shell -c " + shellquote.Quote(cmd)
}

// exchangeKeys runs the key exchange script on both hosts and copies
// each public key to the other's authorized_keys, by hand.
func exchangeKeys(t *testing.T, a, b *Host) {
	t.Helper()
	pubs := map[*Host]string{}
	for _, pair := range [][2]*Host{{a, b}, {b, a}} {
		h, peer := pair[0], pair[1]
		out := mustSSH(t, h, "sudo python3 "+hostconf.KeyExchangeScript(h.AlationDir)+" "+peer.Address)
		pubs[h] = publicKeyIn(t, out)
	}
	for _, pair := range [][2]*Host{{a, b}, {b, a}} {
		h, peer := pair[0], pair[1]
		mustSSH(t, peer, "echo "+shellquote.Quote(pubs[h])+" >> ~/.ssh/authorized_keys")
	}
	trustHostKeys(t, a, b)
}

// trustHostKeys records each host's key in the known_hosts beside the
// other's replication key, as the operator's answer to the host key
// question of step 3's first login does.
func trustHostKeys(t *testing.T, a, b *Host) {
	t.Helper()
	for _, pair := range [][2]*Host{{a, b}, {b, a}} {
		h, peer := pair[0], pair[1]
		line := strings.TrimSpace(knownHostsLine(peer.Address, peer.SSHPort, peer.hostKey))
		mustSSH(t, h, inShell(`printf '%s\n' `+shellquote.Quote(line)+" >> "+replicationKnownHosts))
	}
}

// replicationKnownHosts is the known_hosts beside the replication key, as
// the Alation shell sees it.
const replicationKnownHosts = hostconf.ChrootHome + "/.ssh/known_hosts"

// publicKeyIn returns the ssh-rsa line of a key exchange's output.
func publicKeyIn(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "ssh-rsa ") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("no public key in %q", out)
	return ""
}

// hushLogins logs in from each host to the other with the replication
// key from the Alation shell and touches .hushlogin, as the procedure's
// step 3 does.
func hushLogins(t *testing.T, a, b *Host) {
	t.Helper()
	for _, pair := range [][2]*Host{{a, b}, {b, a}} {
		h, peer := pair[0], pair[1]
		mustSSH(t, h, inShell(loginCommand(peer, "touch .hushlogin")))
	}
}

// loginCommand is the procedure's ssh with the replication key to peer,
// whose host key trustHostKeys recorded.
func loginCommand(peer *Host, cmd string) string {
	return fmt.Sprintf("ssh -i %s -o StrictHostKeyChecking=yes -o UserKnownHostsFile=%s -o BatchMode=yes -p %d -l %s %s %s",
		hostconf.ReplicationKey, replicationKnownHosts, peer.SSHPort, peer.User, peer.Address, cmd)
}

// setUpPrimary puts the primary in master mode with the secondary as its
// cluster host, and the secondary off in-line PostgreSQL replication.
func setUpPrimary(t *testing.T, p *Pair) {
	t.Helper()
	mustSSH(t, p.Primary, inShell("alation_action cluster_enter_master_mode"))
	mustSSH(t, p.Primary, inShell(fmt.Sprintf("alation_conf alation.cluster.hosts -s \"['%s/32']\"", p.Secondary.Address)))
	mustSSH(t, p.Secondary, inShell("alation_conf alation.cluster.pg_repl_in_line -s False"))
}

// eventually polls f until it returns nil or a minute passes; replication
// is asynchronous, and this waits for an outcome rather than timing it.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var lagLine = regexp.MustCompile(`(?m)^\s*(-?\d+) secs \(([-\d.]+) hrs\) behind the primary`)

// mongoLag reads the secondary's lag from the primary's mongo shell.
func mongoLag(t *testing.T, primary *Host) int {
	t.Helper()
	out := mustSSH(t, primary, inShell("mongo --quiet --eval 'rs.printSlaveReplicationInfo()'"))
	m := lagLine.FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(out, "source: ") || !strings.Contains(out, "syncedTo: ") {
		t.Fatalf("unexpected mongo output %q", out)
	}
	lag, _ := strconv.Atoi(m[1])
	return lag
}

// errContains fails t unless err is non-nil and mentions each of wants.
func errContains(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("succeeded, want an error mentioning %q", wants)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not mention %q", err, w)
		}
	}
}

// bg is the context of commands run on the hosts without SSH.
var bg = context.Background()

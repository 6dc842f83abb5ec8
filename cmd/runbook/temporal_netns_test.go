package main

import (
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/netnstest"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"github.com/runbookhq/runbook/internal/temporaltest"
)

// TestTemporalWorkersInTwoNetworks is the worked example of queues and
// networks: two networks (namespaces A and B), each with its hosts (an
// sshd on its own loopback) and a worker of its queue inside it, and a
// hub namespace with the Temporal server, joined to each network by a
// veth pair. The CLI runs in the hub, with no route to any host; neither
// network reaches the other's hosts. A run that spans both finishes, a
// step in B reading the output of a step in A through the workflow.
func TestTemporalWorkersInTwoNetworks(t *testing.T) {
	hub, netA, netB := netnstest.New(t, "rbt-hub"), netnstest.New(t, "rbt-a"), netnstest.New(t, "rbt-b")
	// The server listens on an address of the hub's loopback, which each
	// network reaches through its veth pair and nothing else; the hub
	// forwards nothing (forwarding is off in a new namespace).
	const serverIP = "10.203.0.1"
	netnstest.IP(t, "-n", hub, "addr", "add", serverIP+"/32", "dev", "lo")
	for _, side := range []struct{ ns, link, subnet string }{{netA, "rbt-a", "10.203.1"}, {netB, "rbt-b", "10.203.2"}} {
		netnstest.Link(t, side.link, hub, side.subnet+".1/30", side.ns, side.subnet+".2/30")
		netnstest.IP(t, "-n", side.ns, "route", "add", serverIP+"/32", "via", side.subnet+".1")
	}
	server := temporaltest.StartWith(t, temporaltest.Options{Netns: hub, IP: serverIP})
	srvA, srvB := sshdtest.Start(t, sshdtest.Options{Netns: netA}), sshdtest.Start(t, sshdtest.Options{Netns: netB})

	// Each network reaches its own hosts only; the hub and the test's
	// own namespace reach none.
	for _, probe := range []struct {
		from string
		srv  *sshdtest.Server
		want bool
	}{{netA, srvA, true}, {netB, srvB, true}, {netA, srvB, false}, {netB, srvA, false}, {hub, srvA, false}, {hub, srvB, false}} {
		conn, err := netnstest.Dial(probe.from, probe.srv.Addr(), 5*time.Second)
		if err == nil {
			conn.Close()
		}
		if reached := err == nil; reached != probe.want {
			t.Fatalf("from %s, sshd %s reached: %v (%v), want %v", probe.from, probe.srv.Addr(), reached, err, probe.want)
		}
	}
	for _, srv := range []*sshdtest.Server{srvA, srvB} {
		if conn, err := net.DialTimeout("tcp", srv.Addr(), 5*time.Second); err == nil {
			conn.Close()
			t.Fatalf("sshd %s, inside a network namespace, is reachable from outside it", srv.Addr())
		}
	}

	startWorkerIn(t, netA, server, "net-a", "--identity", srvA.ClientKey.File, "--known-hosts", srvA.KnownHosts)
	startWorkerIn(t, netB, server, "net-b", "--identity", srvB.ClientKey.File, "--known-hosts", srvB.KnownHosts)
	playbook, inventory := filepath.Join(t.TempDir(), "networks.hcl"), twoQueueInventory(t, srvA, "net-a", srvB, "net-b")
	// Each step says which network namespace it ran in.
	writeFile(t, playbook, `
task "command" "top" {
  on  = [host.a]
  cmd = "echo from-$(ip netns identify)"
}
task "command" "across" {
  on  = [host.b]
  cmd = "echo ${task.top.on.a.stdout}-to-$(ip netns identify)"
}
`)
	r := runbookIn(t, hub, temporalEnv(), append([]string{"run", playbook, "--inventory", inventory, "--output", "json"}, server.Flags()...)...)
	r.wantCode(t, exitOK)
	want := []string{
		"across@b | changed | 1 | from-" + netA + "-to-" + netB + " | 0 | ",
		"top@a | changed | 1 | from-" + netA + " | 0 | ",
	}
	if got := endings(t, r.stdout); !slices.Equal(got, want) {
		t.Errorf("the run ended\n%s\nwant\n%s\nstderr:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), r.stderr)
	}
}

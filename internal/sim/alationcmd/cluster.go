package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// replicationPorts are the ports a secondary must be reachable on, with
// what each is for.
var replicationPorts = []struct {
	port int
	what string
}{
	{hostconf.PGPort, "PostgreSQL replication"},
	{hostconf.MongoPort, "MongoDB replication"},
	{hostconf.KVStorePort, "KVStore"},
}

// addSlaves implements cluster_add_slaves on the primary.
func (h *host) addSlaves() error {
	s, err := h.readState()
	if err != nil {
		return err
	}
	if s.Conf.ReplicationMode != hostconf.ModeMaster {
		return fmt.Errorf("replication_mode is %s, not master: run alation_action cluster_enter_master_mode first", s.Conf.ReplicationMode)
	}
	if len(s.Conf.Hosts) == 0 {
		return errors.New("alation.cluster.hosts is empty: set it with alation_conf alation.cluster.hosts -s \"['SECONDARY_IP/32']\"")
	}
	if !h.pgRunning() || !h.servicesRunning() {
		return errors.New("this host is not running Alation: run `alation start` first")
	}
	addrs := make([]string, 0, len(s.Conf.Hosts))
	for _, entry := range s.Conf.Hosts {
		addr, err := singleAddress(entry)
		if err != nil {
			return err
		}
		if addr == h.cfg.Address {
			return fmt.Errorf("alation.cluster.hosts entry %s is this host", entry)
		}
		addrs = append(addrs, addr)
	}
	for _, addr := range addrs {
		if err := h.addSlave(addr); err != nil {
			return fmt.Errorf("secondary %s: %w", addr, err)
		}
	}
	return nil
}

// singleAddress returns the address of a /32 (or /128) entry.
func singleAddress(entry string) (string, error) {
	if p, err := netip.ParsePrefix(entry); err == nil {
		if p.Bits() != p.Addr().BitLen() {
			return "", fmt.Errorf("alation.cluster.hosts entry %s is a network, not one host (use /32)", entry)
		}
		return p.Addr().String(), nil
	}
	a, err := netip.ParseAddr(entry)
	if err != nil {
		return "", fmt.Errorf("alation.cluster.hosts entry %q is not an address", entry)
	}
	return a.String(), nil
}

// addSlave attaches one secondary: it checks the login, the secondary's
// state and ports, marks it slave, replicates PostgreSQL in-line when the
// secondary asks for it, and starts the Mongo replication clock.
func (h *host) addSlave(addr string) error {
	if err := h.checkCleanShell(addr); err != nil {
		return err
	}
	out, err := h.sshRun(addr, "sudo -n "+hostconf.InitScript+" peer check", nil, nil)
	if err != nil {
		return err
	}
	var rep peerReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		return fmt.Errorf("unexpected answer %q: %w", strings.TrimSpace(out), err)
	}
	if rep.Version != h.cfg.Version {
		return fmt.Errorf("it runs Alation %s and this primary runs %s: versions must match", rep.Version, h.cfg.Version)
	}
	if !rep.Running {
		return errors.New("it is not running Alation: run `alation start` on it first")
	}
	if err := canAttach(rep.Mode, rep.Master, h.cfg.Address); err != nil {
		return err
	}
	for _, p := range replicationPorts {
		if err := h.dial(addr, p.port); err != nil {
			return fmt.Errorf("port %d (%s) is not reachable: %w", p.port, p.what, err)
		}
	}
	if _, err := h.sshRun(addr, "sudo -n "+hostconf.InitScript+" peer attach "+h.cfg.Address, nil, nil); err != nil {
		return err
	}
	fmt.Printf("Added %s as a secondary (replication_mode slave, master %s)\n", addr, h.cfg.Address)
	if rep.PGReplInLine {
		fmt.Printf("Replicating PostgreSQL in-line to %s\n", addr)
		remote := "sudo -n " + hostconf.InitScript + " shell -c 'alation_action cluster_replicate_postgres'"
		if _, err := h.sshRun(addr, remote, os.Stdout, os.Stderr); err != nil {
			return fmt.Errorf("in-line PostgreSQL replication: %w", err)
		}
	} else {
		fmt.Printf("alation.cluster.pg_repl_in_line is False on %s: run alation_action cluster_replicate_postgres there\n", addr)
	}
	if err := h.startMongoReplication(addr); err != nil {
		return err
	}
	fmt.Printf("MongoDB replication to %s started\n", addr)
	return nil
}

// dial checks that port on addr accepts connections from this host's
// address.
func (h *host) dial(addr string, port int) error {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(h.cfg.Address)}}
	c, err := d.Dial("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return c.Close()
}

// startMongoReplication records that replication to addr began now,
// unless it already runs.
func (h *host) startMongoReplication(addr string) error {
	source := net.JoinHostPort(addr, strconv.Itoa(hostconf.MongoPort))
	return h.updateState(func(s *hostconf.State) error {
		for _, m := range s.Mongo {
			if m.Source == source {
				return nil
			}
		}
		s.Mongo = append(s.Mongo, hostconf.MongoSecondary{Source: source, Started: time.Now().UTC()})
		sort.Slice(s.Mongo, func(i, j int) bool { return s.Mongo[i].Source < s.Mongo[j].Source })
		return nil
	})
}

package main

import (
	"context"
	"errors"
	"strings"

	"github.com/runbookhq/runbook/internal/sim"
)

// reading is one value read on a host, or why it could not be read.
type reading struct {
	value string
	err   error
}

// readingOf makes a reading of a helper's output and error.
func readingOf(out string, err error) reading {
	return reading{value: strings.TrimSpace(out), err: err}
}

// String returns the value, "-" when it is empty, or why it is unknown.
func (r reading) String() string {
	switch {
	case r.err != nil:
		return "unknown (" + r.err.Error() + ")"
	case r.value == "":
		return "-"
	}
	return r.value
}

// is reports whether r was read and equals v.
func (r reading) is(v string) bool { return r.err == nil && r.value == v }

// hostState is what status reads on either host.
type hostState struct {
	host *sim.Host
	// version is the Alation version the host shows.
	version reading
	// services is "running" or "stopped".
	services reading
	// mode and clusterHosts are alation.cluster.replication_mode and
	// .hosts.
	mode, clusterHosts reading
	// upstream is the primary the host's PostgreSQL streams from, as
	// pg_stat_wal_receiver names it; empty when it streams from none.
	upstream reading
}

// replica is one row of the primary's pg_stat_replication.
type replica struct {
	clientAddr, state string
	// byteLag is pg_wal_lsn_diff(sent_lsn, replay_lsn), or "unknown"
	// before the standby has replayed anything.
	byteLag string
}

// mongoSource is one secondary in the primary's Mongo replication info.
type mongoSource struct {
	source, lag string
}

// pairState is what status reads on a pair.
type pairState struct {
	pair               *sim.Pair
	primary, secondary hostState
	// replicas are the primary's pg_stat_replication rows, by client
	// address; replicasErr says why they could not be read.
	replicas    []replica
	replicasErr error
	// recovery is the secondary's pg_is_in_recovery(): "t" or "f".
	recovery reading
	// mongo is the primary's rs.printSlaveReplicationInfo(); mongoErr
	// says why it could not be read (replication never started, or
	// Alation stopped).
	mongo    []mongoSource
	mongoErr error
}

// replicationQuery lists the primary's standbys with their replay lag in
// bytes.
const replicationQuery = `SELECT COALESCE(host(client_addr), 'local'), state,
  COALESCE(pg_wal_lsn_diff(sent_lsn, replay_lsn)::bigint::text, 'unknown')
FROM pg_stat_replication ORDER BY client_addr`

// mongoInfo prints the Mongo replication lag of each secondary.
const mongoInfo = `mongo --quiet --eval 'rs.printSlaveReplicationInfo()'`

// readPair reads the pair's replication state, on the hosts as root,
// without SSH.
func readPair(ctx context.Context, p *sim.Pair) pairState {
	s := pairState{pair: p, primary: readHost(ctx, p.Primary), secondary: readHost(ctx, p.Secondary)}
	out, err := p.Primary.PSQL(ctx, replicationQuery)
	s.replicas, s.replicasErr = parseReplicas(out), err
	s.recovery = readingOf(p.Secondary.PSQL(ctx, "SELECT pg_is_in_recovery()"))
	// The mongo shell's errors go to standard output, to be told as they
	// are.
	if out, err := p.Primary.Shell(ctx, mongoInfo+" 2>&1"); err != nil {
		s.mongoErr = shortError(out, err)
	} else {
		s.mongo = parseMongo(out)
	}
	return s
}

// shortError is the last line a failed command printed, or its error
// when it printed nothing.
func shortError(out string, err error) error {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		return errors.New(last)
	}
	return err
}

// readHost reads what status shows of either host.
func readHost(ctx context.Context, h *sim.Host) hostState {
	s := hostState{host: h, version: readVersion(ctx, h)}
	out, err := h.Alation(ctx, "status")
	switch {
	case err == nil:
		s.services = reading{value: "running"}
	case strings.Contains(out, "stopped"):
		s.services = reading{value: "stopped"}
	default:
		s.services = readingOf(out, err)
	}
	s.mode, s.clusterHosts = readConf(ctx, h)
	s.upstream = readingOf(h.PSQL(ctx, "SELECT sender_host FROM pg_stat_wal_receiver"))
	return s
}

// readVersion reads the Alation version where an install shows it: the
// package database, else ALATION_DIR/VERSION.
func readVersion(ctx context.Context, h *sim.Host) reading {
	return readingOf(h.Exec(ctx, "dpkg-query -W -f='${Version}\\n' alation 2>/dev/null || cat "+h.AlationDir+"/VERSION"))
}

// The alation_conf keys status reads.
const (
	modeKey  = "alation.cluster.replication_mode"
	hostsKey = "alation.cluster.hosts"
)

// readConf reads the replication mode and cluster hosts, whatever format
// the host's alation_conf prints in.
func readConf(ctx context.Context, h *sim.Host) (mode, hosts reading) {
	return readingOf(h.Conf(ctx, modeKey)), readingOf(h.Conf(ctx, hostsKey))
}

// parseReplicas parses replicationQuery's unaligned output.
func parseReplicas(out string) []replica {
	var rows []replica
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "|")
		if len(f) == 3 {
			rows = append(rows, replica{clientAddr: f[0], state: f[1], byteLag: f[2]})
		}
	}
	return rows
}

// parseMongo parses the mongo shell's replication info: a "source:" line
// per secondary followed by indented syncedTo and lag lines.
func parseMongo(out string) []mongoSource {
	var sources []mongoSource
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if src, ok := strings.CutPrefix(line, "source:"); ok {
			sources = append(sources, mongoSource{source: strings.TrimSpace(src)})
		} else if strings.HasSuffix(line, "behind the primary") && len(sources) > 0 {
			sources[len(sources)-1].lag = line
		}
	}
	return sources
}

// clusterHostList splits an alation.cluster.hosts value as alation_conf
// prints it, e.g. "['10.0.0.2/32', '10.0.0.3/32']".
func clusterHostList(v string) []string {
	var hosts []string
	for _, f := range strings.Split(strings.Trim(v, "[]"), ",") {
		if h := strings.Trim(strings.TrimSpace(f), `'"`); h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

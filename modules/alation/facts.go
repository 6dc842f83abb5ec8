package alation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

// Facts reads what the preflight of an HA setup checks on a host. It
// never changes anything.
type Facts struct {
	Peer          engine.HostRef `hcl:"peer,optional" doc:"The other host of the pair: host.NAME, or its name. When set, the outputs source_address and source_cidr tell which local address, and its network, the host uses to reach the peer's address, pg_streams_to_peer whether its PostgreSQL streams to that address, and ssh_knows_peer_key whether the Alation shell's ssh can check the peer's host key as runbook verified it (which runbook must have verified)."`
	SelfAddress   string         `hcl:"self_address,optional" doc:"This host's own address, as the pair knows it. Used only when peer is an address of this very host (see peer_local): source_address then reports it, if it is an address of this host too, instead of the kernel's loopback source."`
	Version       string         `hcl:"version,optional" doc:"The Alation version to take when no source on the host tells it (see the output version). A source that tells another version fails the task. Empty means none is assumed."`
	MongoUser     string         `hcl:"mongo_user,optional" doc:"A user of MongoDB's admin database to authenticate as, when the server requires authentication, as mongo_lag will. Empty means no authentication."`
	MongoPassword string         `hcl:"mongo_password,optional" doc:"The password of mongo_user. It reaches the mongo shell in a script on standard input, never on a command line."`
}

// FactsOutputs are the outputs of alation_facts.
type FactsOutputs struct {
	Version         string   `cty:"version" doc:"The Alation version, read from the first source that tells it: the package database (rpm -q alation, then dpkg-query -W alation), then ALATION_DIR/VERSION; else the version argument. Empty when none tells: the install's version is then unknown, and nothing may be assumed of it."`
	VersionSource   string   `cty:"version_source" doc:"Where version was read: \"rpm -q alation\", \"dpkg-query -W alation\", the version file's path, \"given\" for the version argument, or empty when unknown."`
	Major           int      `cty:"major" doc:"The major number of the version."`
	Minor           int      `cty:"minor" doc:"The minor number of the version."`
	Layout          string   `cty:"layout" doc:"The install layout: \"3.x\" (/usr/local/alation) or \"4.x\" (/opt/alation/alation)."`
	AlationDir      string   `cty:"alation_dir" doc:"The Alation directory of that layout."`
	ServicesRunning bool     `cty:"services_running" doc:"Whether /etc/init.d/alation status reports the services running: its exit status (LSB: 0 running; 1, 2, 3 not) and, when it lists them, no service down."`
	ServicesDown    []string `cty:"services_down" doc:"The lines of the status report that name a service not running, e.g. \"mongod dead but pid file exists\"; empty when none does."`
	ReplicationMode string   `cty:"replication_mode" doc:"The value of alation.cluster.replication_mode: standalone, master or slave."`
	ClusterHosts    []string `cty:"cluster_hosts" doc:"The value of alation.cluster.hosts: the secondaries of a primary."`
	PgInRecovery    bool     `cty:"pg_in_recovery" doc:"Whether this host's PostgreSQL is a standby: pg_is_in_recovery(). False when PostgreSQL cannot be read (a progress message says why)."`
	PgUpstream      string   `cty:"pg_upstream" doc:"The host of the primary a standby streams from: the host (else hostaddr) of the connection string of pg_stat_wal_receiver (PostgreSQL 9.6 and later) or, when no WAL receiver runs, of primary_conninfo (the setting from 12, recovery.conf before). Empty when not a standby, or when neither names one."`
	MachineID       string   `cty:"machine_id" doc:"The content of /etc/machine-id, else of /var/lib/dbus/machine-id (EL6); empty when neither exists. VMs cloned from one template share it: compare machine_identity instead."`
	MachineIdentity string   `cty:"machine_identity" doc:"A digest of what tells machines apart: the machine ids, the SSH host keys, the MAC addresses and the interface addresses. One machine has one identity however it is reached; two machines, even clones sharing a machine id and host keys, differ in their addresses."`
	MachineEvidence string   `cty:"machine_evidence" doc:"What machine_identity was made of, e.g. \"1 machine id, 3 SSH host keys, 1 MAC address, 2 interface addresses\"."`
	SourceAddress   string   `cty:"source_address" doc:"The local address the host uses to reach peer, as ip route get reports it; when peer_local, self_address instead, if it is an address of this host. Empty without peer or when unknown."`
	SourceCIDR      string   `cty:"source_cidr" doc:"That address with the prefix length of the network ip addr lists for it (e.g. 10.0.0.2/24; 127.0.2.1/8 for a loopback address held by lo's 127.0.0.1/8); empty when unknown."`
	PeerLocal       bool     `cty:"peer_local" doc:"Whether the route to peer is a local route: peer is an address of this very host, which happens only on a simulated pair sharing one machine or when an address is misconfigured. The kernel then reports a loopback source address, which is why source_address reports self_address instead."`
	PgStreamsToPeer bool     `cty:"pg_streams_to_peer" doc:"Whether this host's PostgreSQL streams to peer: pg_stat_replication lists peer (a /32 suffix ignored) as client_addr in state streaming. On a primary, with the secondary's address as peer, it is the test pg_replicate makes on the primary before it skips replication. False without peer, and when PostgreSQL cannot be read (a progress message says why)."`
	SSHVersion      string   `cty:"ssh_version" doc:"What ssh -V prints in the Alation shell up to its first comma, e.g. OpenSSH_7.4p1: the ssh replication uses. Empty without peer."`
	PeerHostKeyType string   `cty:"peer_host_key_type" doc:"The type of peer's host key as runbook's own connection verified it, e.g. ssh-ed25519: the key key_exchange makes this host's Alation shell user trust. Empty without peer."`
	SSHKnowsPeerKey bool     `cty:"ssh_knows_peer_key" doc:"Whether that ssh knows host keys of that type (OpenSSH before 6.5 knows no ed25519, before 5.7 no ECDSA). True without peer, and for an ssh that does not tell its OpenSSH version."`
	LoginClean      bool     `cty:"login_clean" doc:"Whether a non-interactive login of the connecting user prints nothing besides the command's own output: no MOTD, no start-up file noise, which would break replication's ssh and rsync."`
	LoginOutput     string   `cty:"login_output" doc:"What such a login printed besides the command's output; empty when clean."`
	PgListen        string   `cty:"pg_listen_addresses" doc:"PostgreSQL's listen_addresses; empty when it listens on its Unix socket alone, or when PostgreSQL cannot be read."`
	MongoBindIP     string   `cty:"mongo_bind_ip" doc:"The addresses mongod listens on (net.bindIp, bind_ip before 2.6), \"*\" for all; empty when it does not tell or cannot be read."`
	LocalOnly       []string `cty:"local_only" doc:"The services that listen only on the host itself, so that the peer cannot reach them, e.g. \"PostgreSQL (listen_addresses 'localhost')\"; empty when none does or it cannot be told."`
}

// Validate checks the addresses that are given, which ip on the host
// takes as arguments, and the version, when given.
func (m *Facts) Validate() error {
	if err := checkMongoLogin("mongo_user", m.MongoUser, "mongo_password", m.MongoPassword); err != nil {
		return err
	}
	if m.Version != "" {
		if _, err := parseVersion(m.Version); err != nil {
			return &engine.ArgError{Arg: "version", Err: err}
		}
	}
	for _, a := range []struct{ arg, address string }{{"peer", m.Peer.Address}, {"self_address", m.SelfAddress}} {
		if a.address == "" {
			continue
		}
		if err := checkAddress(a.arg, a.address); err != nil {
			return err
		}
	}
	return nil
}

// SafeToRepeat reports true: the task only reads, so a second run after
// a cut-off one reads again.
func (m *Facts) SafeToRepeat() bool { return true }

// Run reads the facts.
func (m *Facts) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if err := m.Validate(); err != nil {
		return engine.Result{}, err
	}
	in, err := detectInstall(ctx, env.Host, m.Version)
	if err != nil {
		return engine.Result{}, fmt.Errorf("on %s: %w", env.HostName, err)
	}
	out := FactsOutputs{Version: in.version, VersionSource: in.source, Major: in.major, Minor: in.minor, Layout: in.layout, AlationDir: in.dir}
	if out.ServicesRunning, out.ServicesDown, err = servicesRunning(ctx, env.Host); err != nil {
		return engine.Result{}, fmt.Errorf("on %s: %w", env.HostName, err)
	}
	if out.ServicesDown == nil {
		out.ServicesDown = []string{}
	}
	conf, err := readConf(ctx, env.Host, keyClusterHosts, keyReplicationMode)
	if err != nil {
		return engine.Result{}, err
	}
	out.ReplicationMode = conf[keyReplicationMode]
	out.ClusterHosts = parseList(conf[keyClusterHosts])
	id, err := readIdentity(ctx, env.Host)
	if err != nil {
		return engine.Result{}, fmt.Errorf("on %s: %w", env.HostName, err)
	}
	out.MachineID, out.MachineIdentity, out.MachineEvidence = id.machineID, id.digest(), id.describe()
	if out.LoginOutput, err = loginNoise(ctx, env.Host); err != nil {
		return engine.Result{}, err
	}
	out.LoginClean = out.LoginOutput == ""
	pgErr := checkPGRights(ctx, env.Host, env.HostName)
	if errors.Is(pgErr, ErrMissingRights) {
		return engine.Result{}, pgErr
	}
	var versionNum int
	if pgErr == nil {
		versionNum, pgErr = serverVersionNum(ctx, env.Host)
	}
	if pgErr == nil {
		var standby standbyState
		standby, pgErr = readStandby(ctx, env.Host, versionNum)
		out.PgInRecovery, out.PgUpstream = standby.inRecovery, standby.upstream
	}
	if pgErr != nil {
		env.Progressf("whether PostgreSQL is a standby is unknown: %v", pgErr)
	} else if out.PgListen, err = pgListenAddresses(ctx, env.Host); err != nil {
		return engine.Result{}, fmt.Errorf("on %s: %w", env.HostName, err)
	}
	out.SSHKnowsPeerKey = true

	if out.ServicesRunning {
		out.MongoBindIP, err = checkMongoAccess(ctx, env.Host, env.HostName, mongoLogin{m.MongoUser, m.MongoPassword})
		switch {
		case errors.Is(err, ErrMongoAuth):
			return engine.Result{}, err
		case err != nil:
			env.Progressf("MongoDB could not be read: %v", err)
		}
	}
	out.LocalOnly = localOnly(out.PgListen, pgErr == nil, out.MongoBindIP)
	if !m.Peer.IsZero() {
		if err := peerKeyFacts(ctx, env, m.Peer, &out); err != nil {
			return engine.Result{}, err
		}
		r := routeTo(ctx, env, m.Peer.Address, m.SelfAddress)
		out.SourceAddress, out.SourceCIDR, out.PeerLocal = r.source, r.cidr, r.local
		out.PgStreamsToPeer = pgStreamsTo(ctx, env, versionNum, pgErr, m.Peer.Address)
	}
	return engine.Result{Outputs: out}, nil
}

// pgStreamsTo reports, best effort, whether PostgreSQL on the task's host,
// of server_version_num versionNum unless pgErr says why it is unknown,
// streams to address; when it cannot tell, it says why in a progress
// message and reports false.
func pgStreamsTo(ctx context.Context, env *engine.Env, versionNum int, pgErr error, address string) bool {
	streams, err := false, pgErr
	if err == nil {
		streams, err = streamsTo(ctx, env.Host, versionNum, address)
	}
	if err != nil {
		env.Progressf("whether PostgreSQL streams to %s is unknown: %v", address, err)
	}
	return streams
}

// localOnly lists the services that listen only on the host itself:
// PostgreSQL by its listen_addresses pg (when pgKnown), MongoDB by its
// bind address mongo.
func localOnly(pg string, pgKnown bool, mongo string) []string {
	only := []string{}
	if pgKnown && onlyLocal(pg, true) {
		only = append(only, fmt.Sprintf("PostgreSQL (listen_addresses %q)", pg))
	}
	if onlyLocal(mongo, false) {
		only = append(only, fmt.Sprintf("MongoDB (bindIp %q)", mongo))
	}
	return only
}

// loginNoise runs a bare command as the connecting user, without sudo,
// and returns whatever the login printed besides the command's output:
// what the transport kept apart from it (transport.Result.LoginOutput),
// and anything else in its output.
func loginNoise(ctx context.Context, h transport.Host) (string, error) {
	res, err := h.Run(ctx, transport.Command{Args: []string{"echo", outputMarker}})
	if _, err := mustOK(res, err, "log in to check the login is clean"); err != nil {
		return "", err
	}
	return strings.TrimSpace(string(res.LoginOutput) + "\n" + extraOutput(string(res.Stdout), string(res.Stderr))), nil
}

// extraOutput returns what a login printed, on stdout and stderr, besides
// the outputMarker line the command itself printed.
func extraOutput(stdout, stderr string) string {
	stdout = strings.Replace(stdout, outputMarker+"\n", "", 1)
	return strings.TrimSpace(strings.TrimSpace(stdout) + "\n" + strings.TrimSpace(stderr))
}

// Describe says what the task reads.
func (m *Facts) Describe() string {
	if !m.Peer.IsZero() {
		return "read the Alation version, layout, services, cluster settings, standby state and machine id, the route to " + m.Peer.Name + " (" + m.Peer.Address + ") and whether PostgreSQL streams to it"
	}
	return "read the Alation version, layout, services, cluster settings, standby state and machine id"
}

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name:    "alation_facts",
		Doc:     "Reads what the preflight of an Alation HA setup checks: the version and its layout, whether the services run, the cluster settings, the machine id, whether a login is clean and, given a peer, the address and network used to reach it and whether PostgreSQL streams to it. It never changes anything. It fails when the Alation shell lacks the rights these reads need: sudo for du, and a PostgreSQL superuser (its own role, or the postgres OS user through sudo), and when MongoDB refuses to be read for want of authentication (give mongo_user and mongo_password). It reports the services that listen only on the host itself (local_only), which the peer cannot reach.",
		New:     func() engine.Module { return &Facts{} },
		Outputs: FactsOutputs{},
	})
}

var (
	_ engine.Module     = (*Facts)(nil)
	_ engine.Validator  = (*Facts)(nil)
	_ engine.Describer  = (*Facts)(nil)
	_ engine.Repeatable = (*Facts)(nil)
)

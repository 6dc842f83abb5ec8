package sim

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// Defaults of HostOptions.
const (
	DefaultVersion         = "4.7.2"
	DefaultUser            = "alationadmin"
	DefaultSSHPort         = 22
	DefaultMongoInitialLag = 10 * time.Hour
	DefaultMongoCatchUp    = 2 * time.Minute
	DefaultActionDelay     = 20 * time.Second
	// DefaultMOTD is the message a host with the MOTD fault prints at
	// login.
	DefaultMOTD = "Welcome to Alation. Authorized use only."
	// MissingDataDisk and MissingBackupDisk are what the disk caches of a
	// host with the InvalidDisks fault name.
	MissingDataDisk   = "/mnt/alation-data-missing"
	MissingBackupDisk = "/mnt/alation-backup-missing"
	// DefaultForeignMaster is the primary a host with replication mode
	// slave follows when Faults.Master is empty.
	DefaultForeignMaster = "127.0.9.1"
)

// HostOptions describes one simulated host. The zero value is a healthy
// standalone Alation 4.7.2 host on a free loopback address.
type HostOptions struct {
	// Name is the host's role, e.g. "primary"; it names its directory.
	Name string
	// Address is the host's loopback address (127.x.y.z). Empty picks a
	// free one.
	Address string
	// SSHPort is the port of the host's sshd; 0 means 22.
	SSHPort int
	// User is the SSH user, created only inside the host; empty means
	// alationadmin.
	User string
	// Version is the Alation version, e.g. "4.7.2", "4.8.0" or "3.12.1";
	// it picks the layout. Empty means DefaultVersion.
	Version string
	// Peers are the addresses allowed to replicate from this host's
	// PostgreSQL. StartPair sets each host's peer.
	Peers []string
	// MongoInitialLag is the Mongo lag right after replication starts;
	// zero means DefaultMongoInitialLag.
	MongoInitialLag time.Duration
	// MongoCatchUp is how long the lag takes to fall to zero; zero means
	// DefaultMongoCatchUp.
	MongoCatchUp time.Duration
	// VersionSource is where the host shows its Alation version: the
	// package database (VersionInPackage, the default when empty), the
	// file ALATION_DIR/VERSION (VersionInFile), or nowhere (VersionNowhere).
	VersionSource string
	// MachineID is the host's machine id: empty for a random one in
	// /etc/machine-id and /var/lib/dbus/machine-id, as systemd hosts have;
	// MachineIDDBusOnly for a random one in /var/lib/dbus/machine-id alone,
	// as EL6 hosts have; MachineIDNone for neither file; or 32 hexadecimal
	// digits for that id in both, as VMs cloned from one template share.
	MachineID string
	// ConfFormat is how alation_conf prints, one of hostconf.ConfFormats
	// (empty: KEY = VALUE, lists ['a', 'b']).
	ConfFormat string
	// MongoShell is the wording of the Mongo lag report: empty for 2.6 to
	// 4.x, hostconf.Mongo24 or hostconf.MongoSH.
	MongoShell string
	// MongoArbiter adds an arbiter to the lag report.
	MongoArbiter bool
	// BashrcNoise, when set, is printed by ~/.bashrc for every command,
	// as a noisy start-up file does, ~/.hushlogin or not.
	BashrcNoise string
	// Banner, when set, is sshd's Banner, sent before authentication.
	Banner string
	// ShellRole, when set, is the PostgreSQL role, not a superuser, that
	// the Alation shell's psql connects as; the host creates it when its
	// PostgreSQL starts as a primary (a standby has its primary's roles).
	ShellRole string
	// ShellSudoDenied makes sudo in the Alation shell refuse every
	// command, as for a shell user the sudoers file does not name.
	ShellSudoDenied bool
	// RequireTTY makes sudo refuse to run the SSH user's commands
	// without a terminal (sudoers `Defaults requiretty`), as CentOS 7
	// before 7.3 ships it.
	RequireTTY bool
	// SSHClient, when set, is the OpenSSH version the host's ssh client
	// plays, hostconf.SSHClient74 (CentOS 7) or hostconf.SSHClient53
	// (CentOS 6): it refuses StrictHostKeyChecking=accept-new as that
	// version does.
	SSHClient string
	// HostKeyType is the type of sshd's one host key: HostKeyEd25519 (the
	// default when empty) or HostKeyRSA, as CentOS 6's OpenSSH 5.3, which
	// knows no ed25519, has.
	HostKeyType string
	// KeyScriptPrompts makes the key exchange script ask questions on
	// standard input, as a script of the era may: a passphrase for the
	// new key, and Enter once its public key is copied to the peer. At
	// the end of its input it fails, as Python's input() does.
	KeyScriptPrompts bool

	// MongoUser and MongoPassword, when set, make MongoDB require
	// authentication as that user of the admin database.
	MongoUser     string
	MongoPassword string
	// LocalOnly makes PostgreSQL and MongoDB listen only on the host
	// itself, as their defaults do (listen_addresses 'localhost'; bindIp
	// 127.0.0.1 in the packages' mongod.conf and from MongoDB 3.6).
	LocalOnly bool
	// StatusFormat is the wording of `alation status`, one of
	// hostconf.StatusFormats (empty: one summary line).
	StatusFormat string
	// DownServices are services (postgresql, mongod, kvstore) that a
	// status listing services one by one reports down while exiting 0.
	DownServices []string
	// DiskCacheFormat is how the disk caches hold their path, one of
	// hostconf.DiskCacheFormats (empty: the bare path).
	DiskCacheFormat string
	// SlowActions are alation_action names that take ActionDelay before
	// they do their work.
	SlowActions []string
	// ActionDelay is how long a slow action takes; zero means
	// DefaultActionDelay.
	ActionDelay time.Duration
	// ReplicateDelay, when set, is about how long cluster_replicate_postgres
	// takes on the host: its base backup is throttled so that the data
	// directory grows over that time. Zero copies at full speed.
	ReplicateDelay time.Duration
	// Faults are what is wrong with the host at start.
	Faults Faults
}

// The types of host key a host's sshd can have (HostOptions.HostKeyType).
const (
	HostKeyEd25519 = "ed25519"
	HostKeyRSA     = "rsa"
)

// Special values of HostOptions.MachineID.
const (
	// MachineIDDBusOnly has the id in /var/lib/dbus/machine-id alone.
	MachineIDDBusOnly = "dbus-only"
	// MachineIDNone has neither /etc/machine-id nor
	// /var/lib/dbus/machine-id.
	MachineIDNone = "none"
)

// The places a host can show its Alation version (HostOptions.VersionSource).
const (
	// VersionInPackage is a package "alation" in the dpkg database, as an
	// install by package shows it.
	VersionInPackage = "package"
	// VersionInFile is the file ALATION_DIR/VERSION.
	VersionInFile = "file"
	// VersionNowhere shows the version nowhere.
	VersionNowhere = "none"
)

// Faults are the ways a simulated host can start out wrong.
type Faults struct {
	// InvalidDisks makes .disk1_cache and .disk2_cache name missing
	// directories.
	InvalidDisks bool
	// ServicesStopped leaves Alation (PostgreSQL, mongod, KVStore)
	// stopped.
	ServicesStopped bool
	// ReplicationMode, when set, is the host's alation.cluster.replication_mode
	// ("master" or "slave") instead of standalone.
	ReplicationMode string
	// Master is the primary a slave follows; empty means
	// DefaultForeignMaster.
	Master string
	// MOTD, when set, is printed at every login, interactive or not,
	// until ~/.hushlogin exists.
	MOTD string
	// ClosedPorts are ports among 5432, 27017 and 8088 that the host does
	// not listen on.
	ClosedPorts []int
	// NoOpActions are alation_action names that print success and exit 0
	// without doing anything.
	NoOpActions []string
	// FailingActions are alation_action names that do their work, then
	// print a warning and exit 1.
	FailingActions []string
	// ReadOnlyConf makes alation_conf -s print the value it was given and
	// exit 0 without storing it.
	ReadOnlyConf bool
}

// PairOptions describes a primary and a secondary.
type PairOptions struct {
	// Primary is the host that becomes the primary; its name defaults to
	// "primary".
	Primary HostOptions
	// Secondary is the other host; its name defaults to "secondary", and
	// its user and SSH port to the primary's.
	Secondary HostOptions
	// Dir is where Up keeps the pair's state; empty means /tmp/alation-sim.
	// Tests ignore it.
	Dir string
}

// DefaultDir is where Up keeps its state by default.
const DefaultDir = "/tmp/alation-sim"

// roleName matches the names HostOptions.ShellRole may take: lower-case
// SQL identifiers, which need no quoting, other than the superuser's.
var roleName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// withDefaults fills the empty fields of o and checks it.
func (o HostOptions) withDefaults() (HostOptions, error) {
	if o.Name == "" {
		o.Name = "host"
	}
	if o.SSHPort == 0 {
		o.SSHPort = DefaultSSHPort
	}
	if o.User == "" {
		o.User = DefaultUser
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	switch o.VersionSource {
	case "":
		o.VersionSource = VersionInPackage
	case VersionInPackage, VersionInFile, VersionNowhere:
	default:
		return o, fmt.Errorf("host %s: version source %q: want %s, %s or %s", o.Name, o.VersionSource, VersionInPackage, VersionInFile, VersionNowhere)
	}
	switch o.MachineID {
	case "", MachineIDDBusOnly, MachineIDNone:
	default:
		if _, err := hex.DecodeString(o.MachineID); err != nil || len(o.MachineID) != 32 {
			return o, fmt.Errorf("host %s: machine id %q: want 32 hexadecimal digits, %s or %s", o.Name, o.MachineID, MachineIDDBusOnly, MachineIDNone)
		}
	}
	if !slices.Contains(hostconf.ConfFormats, o.ConfFormat) {
		return o, fmt.Errorf("host %s: conf format %q: want one of %q", o.Name, o.ConfFormat, hostconf.ConfFormats)
	}
	switch o.MongoShell {
	case hostconf.Mongo3x, hostconf.Mongo24, hostconf.MongoSH:
	default:
		return o, fmt.Errorf("host %s: mongo shell %q: want empty, %s or %s", o.Name, o.MongoShell, hostconf.Mongo24, hostconf.MongoSH)
	}
	if !slices.Contains(hostconf.StatusFormats, o.StatusFormat) {
		return o, fmt.Errorf("host %s: status format %q: want one of %q", o.Name, o.StatusFormat, hostconf.StatusFormats)
	}
	for _, svc := range o.DownServices {
		if o.StatusFormat == hostconf.StatusSummary || !slices.Contains([]string{"postgresql", "mongod", "kvstore"}, svc) {
			return o, fmt.Errorf("host %s: down service %q: want postgresql, mongod or kvstore, with a status format that lists services", o.Name, svc)
		}
	}
	if !slices.Contains(hostconf.DiskCacheFormats, o.DiskCacheFormat) {
		return o, fmt.Errorf("host %s: disk cache format %q: want one of %q", o.Name, o.DiskCacheFormat, hostconf.DiskCacheFormats)
	}
	if (o.MongoUser == "") != (o.MongoPassword == "") {
		return o, fmt.Errorf("host %s: a mongo user needs a mongo password, and the other way round", o.Name)
	}
	if o.ActionDelay == 0 {
		o.ActionDelay = DefaultActionDelay
	}
	if o.ShellRole != "" && (!roleName.MatchString(o.ShellRole) || o.ShellRole == "postgres") {
		return o, fmt.Errorf("host %s: shell role %q: want a lower-case SQL identifier other than postgres", o.Name, o.ShellRole)
	}
	switch o.HostKeyType {
	case "":
		o.HostKeyType = HostKeyEd25519
	case HostKeyEd25519, HostKeyRSA:
	default:
		return o, fmt.Errorf("host %s: host key type %q: want %s or %s", o.Name, o.HostKeyType, HostKeyEd25519, HostKeyRSA)
	}
	switch o.SSHClient {
	case "", hostconf.SSHClient74, hostconf.SSHClient53:
	default:
		return o, fmt.Errorf("host %s: ssh client %q: want empty, %s or %s", o.Name, o.SSHClient, hostconf.SSHClient74, hostconf.SSHClient53)
	}
	if o.MongoInitialLag == 0 {
		o.MongoInitialLag = DefaultMongoInitialLag
	}
	if o.MongoCatchUp == 0 {
		o.MongoCatchUp = DefaultMongoCatchUp
	}
	if _, err := hostconf.LayoutFor(o.Version); err != nil {
		return o, fmt.Errorf("host %s: %w", o.Name, err)
	}
	if o.Address != "" {
		a, err := netip.ParseAddr(o.Address)
		if err != nil || !a.Is4() || !a.IsLoopback() {
			return o, fmt.Errorf("host %s: address %q is not a 127.0.0.0/8 address", o.Name, o.Address)
		}
	}
	for _, p := range o.Faults.ClosedPorts {
		if p != hostconf.PGPort && p != hostconf.MongoPort && p != hostconf.KVStorePort {
			return o, fmt.Errorf("host %s: closed port %d: only 5432, 27017 and 8088 can be closed", o.Name, p)
		}
	}
	switch o.Faults.ReplicationMode {
	case "", hostconf.ModeStandalone, hostconf.ModeMaster:
	case hostconf.ModeSlave:
		if o.Faults.Master == "" {
			o.Faults.Master = DefaultForeignMaster
		}
	default:
		return o, fmt.Errorf("host %s: replication mode %q: want standalone, master or slave", o.Name, o.Faults.ReplicationMode)
	}
	if o.MongoInitialLag < 0 || o.MongoCatchUp < 0 {
		return o, errors.New("host " + o.Name + ": mongo lag and catch-up must not be negative")
	}
	if o.ReplicateDelay < 0 {
		return o, errors.New("host " + o.Name + ": replicate delay must not be negative")
	}
	return o, nil
}

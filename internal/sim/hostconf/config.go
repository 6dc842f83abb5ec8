package hostconf

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"
)

// Path is where a simulated host's configuration lives, inside the host's
// mount namespace.
const Path = "/etc/alation-sim/host.json"

// Fixed paths inside a simulated host.
const (
	// InitScript is the simulated alation command.
	InitScript = "/etc/init.d/alation"
	// PGBin holds the PostgreSQL 15 programs.
	PGBin = "/usr/lib/postgresql/15/bin"
	// PGSocketDir is the private unix socket directory of the host's
	// PostgreSQL.
	PGSocketDir = "/var/run/postgresql"
	// UpstreamPort is the port, on the host's own address, of the relay
	// through which a standby reaches its primary's PostgreSQL from that
	// address (see UpstreamConninfo).
	UpstreamPort = 5433
	// PGPort is the PostgreSQL port.
	PGPort = 5432
	// MongoPort is the port of the simulated mongod.
	MongoPort = 27017
	// KVStorePort is the port of the simulated KVStore.
	KVStorePort = 8088
	// ReplicationRole is the PostgreSQL role standbys connect as.
	ReplicationRole = "replicator"
	// Database is the Alation catalogue database.
	Database = "rosemeta"
	// ChrootHome is the Alation user's home as seen from the Alation shell.
	ChrootHome = "/home/alation"
	// ReplicationKey is the replication private key as seen from the
	// Alation shell.
	ReplicationKey = ChrootHome + "/.ssh/replication_rsa"
)

// The formats alation_conf prints in (Config.ConfFormat), each a way real
// hosts print: KEY = VALUE with lists ['a', 'b'] (spaced, the default);
// KEY=VALUE (compact); KEY:<tab>VALUE (colon); Python 2's u'x' and
// [u'a'], an empty list None (python2); tuples (u'a',) (tuple); bare
// comma lists a,b (csv).
const (
	ConfSpaced  = ""
	ConfCompact = "compact"
	ConfColon   = "colon"
	ConfPython2 = "python2"
	ConfTuple   = "tuple"
	ConfCSV     = "csv"
)

// ConfFormats lists the formats, the default first.
var ConfFormats = []string{ConfSpaced, ConfCompact, ConfColon, ConfPython2, ConfTuple, ConfCSV}

// The wordings of the mongo shell's lag report (Config.MongoShell): that
// of 2.6 to 4.x (the default), of 2.4, and of mongosh.
const (
	Mongo3x = ""
	Mongo24 = "2.4"
	MongoSH = "mongosh"
)

// The OpenSSH clients a host can play (Config.SSHClient): CentOS 7's and
// CentOS 6's, which know no StrictHostKeyChecking=accept-new (OpenSSH 7.6).
const (
	SSHClient74 = "7.4"
	SSHClient53 = "5.3"
)

// SSHClientPath is where a host that plays an old OpenSSH client has it:
// first on sudo's secure_path and on the Alation shell's PATH.
const SSHClientPath = "/usr/local/bin/ssh"

// The wordings of `alation status` (Config.StatusFormat): one summary
// line (the default); one line a service in the wording of the status
// function of Red Hat's /etc/init.d/functions ("NAME (pid N) is
// running...", "NAME is stopped"); one line a service in supervisorctl's
// ("NAME RUNNING pid N, uptime …", "NAME STOPPED …", "NAME FATAL …").
const (
	StatusSummary    = ""
	StatusInitd      = "initd"
	StatusSupervisor = "supervisor"
)

// StatusFormats lists the status wordings, the default first.
var StatusFormats = []string{StatusSummary, StatusInitd, StatusSupervisor}

// The ways a disk cache holds its path (Config.DiskCacheFormat): the bare
// path (the default); the sentence of the procedure's sample output
// ("CACHE path is /data"); a key and a quoted value (path: "/data") after
// a comment line.
const (
	DiskBare     = ""
	DiskSentence = "sentence"
	DiskKeyValue = "keyvalue"
)

// DiskCacheFormats lists the disk cache formats, the default first.
var DiskCacheFormats = []string{DiskBare, DiskSentence, DiskKeyValue}

// Config is the static description of one simulated host, written by the
// launcher before the host starts and read by the simulated alation command.
type Config struct {
	// Name is the host's role in its pair, e.g. "primary".
	Name string `json:"name"`
	// Address is the host's own loopback address.
	Address string `json:"address"`
	// SSHPort is the port the host's sshd listens on.
	SSHPort int `json:"ssh_port"`
	// User is the SSH user with passwordless sudo.
	User string `json:"user"`
	// Version is the simulated Alation version, e.g. "4.7.2".
	Version string `json:"version"`
	// AlationDir is the Alation directory the version implies.
	AlationDir string `json:"alation_dir"`
	// DataDir is the host's real data disk.
	DataDir string `json:"data_dir"`
	// BackupDir is the host's real backup disk.
	BackupDir string `json:"backup_dir"`
	// ClosedPorts lists the ports among 5432, 27017 and 8088 that the host
	// does not listen on.
	ClosedPorts []int `json:"closed_ports,omitempty"`
	// ConfFormat is how alation_conf prints, one of ConfFormats.
	ConfFormat string `json:"conf_format,omitempty"`
	// MongoShell is the wording of the lag report: Mongo3x, Mongo24 or
	// MongoSH.
	MongoShell string `json:"mongo_shell,omitempty"`
	// MongoArbiter adds an arbiter to the replica set, listed in the lag
	// report without a lag.
	MongoArbiter bool `json:"mongo_arbiter,omitempty"`
	// ShellRole, when set, is the PostgreSQL role the Alation shell's psql
	// connects as: one that may log in and is not a superuser. Empty: the
	// superuser postgres.
	ShellRole string `json:"shell_role,omitempty"`
	// ShellSudoDenied makes sudo in the Alation shell refuse every
	// command, as sudo does for a user the sudoers file does not name.
	ShellSudoDenied bool `json:"shell_sudo_denied,omitempty"`
	// SSHClient, when set, is the OpenSSH version the host's ssh client
	// plays (SSHClient74 or SSHClient53): it is first on PATH and refuses
	// the options that version does not know.
	SSHClient string `json:"ssh_client,omitempty"`
	// NoOpActions are alation_action names that print success and exit 0
	// without doing anything.
	NoOpActions []string `json:"no_op_actions,omitempty"`
	// FailingActions are alation_action names that do their work, then
	// print a warning and exit 1.
	FailingActions []string `json:"failing_actions,omitempty"`
	// ReadOnlyConf makes alation_conf -s print the value it was given and
	// exit 0 without storing it.
	ReadOnlyConf bool `json:"read_only_conf,omitempty"`
	// MongoUser and MongoPassword, when set, make the simulated MongoDB
	// require authentication as that user of the admin database.
	MongoUser     string `json:"mongo_user,omitempty"`
	MongoPassword string `json:"mongo_password,omitempty"`
	// LocalOnly makes PostgreSQL and MongoDB listen only on the host
	// itself: PostgreSQL on its Unix socket alone, mongod on no address
	// the peer reaches, its options saying bindIp 127.0.0.1.
	LocalOnly bool `json:"local_only,omitempty"`
	// StatusFormat is how `alation status` words its report, one of
	// StatusFormats.
	StatusFormat string `json:"status_format,omitempty"`
	// DownServices are services that `alation status` lists as down
	// although Alation runs, with the status format's wording and exit 0.
	DownServices []string `json:"down_services,omitempty"`
	// DiskCacheFormat is how the disk caches hold their path, one of
	// DiskCacheFormats.
	DiskCacheFormat string `json:"disk_cache_format,omitempty"`
	// SlowActions are alation_action names that take ActionDelay before
	// they do their work.
	SlowActions []string `json:"slow_actions,omitempty"`
	// ActionDelay is how long a slow action takes.
	ActionDelay time.Duration `json:"action_delay,omitempty"`
	// ReplicateDelay, when set, is about how long cluster_replicate_postgres
	// copies the primary's data: its base backup is throttled so that the
	// data directory grows over that time, as a large one does.
	ReplicateDelay time.Duration `json:"replicate_delay,omitempty"`
	// MongoInitialLag is the Mongo lag reported right after replication
	// starts.
	MongoInitialLag time.Duration `json:"mongo_initial_lag"`
	// MongoCatchUp is how long the lag takes to fall to zero.
	MongoCatchUp time.Duration `json:"mongo_catch_up"`
}

// UpstreamConninfo is the primary_conninfo of a standby on the host self
// that follows master. Like a real standby's, its host is the primary's
// address, which pg_stat_wal_receiver and the setting show; hostaddr and
// port make libpq connect to the relay on self instead, which dials the
// primary from self, so that the primary sees the standby's own address
// in pg_stat_replication.
func UpstreamConninfo(master, self string) string {
	return fmt.Sprintf("host=%s hostaddr=%s port=%d user=%s", master, self, UpstreamPort, ReplicationRole)
}

// PGDataDir is the PostgreSQL data directory on the host's data disk.
func (c *Config) PGDataDir() string { return c.DataDir + "/pgsql/15/data" }

// SimDir is where the simulated command keeps its state, under the
// Alation directory.
func (c *Config) SimDir() string { return c.AlationDir + "/.sim" }

// ListensForPeer reports whether the host listens on port at its own
// address, where the peer reaches it: not when the port is closed, nor,
// for PostgreSQL and MongoDB, when they listen only locally.
func (c *Config) ListensForPeer(port int) bool {
	return !c.PortClosed(port) && !(c.LocalOnly && (port == PGPort || port == MongoPort))
}

// PortClosed reports whether the host must not listen on port.
func (c *Config) PortClosed(port int) bool {
	for _, p := range c.ClosedPorts {
		if p == port {
			return true
		}
	}
	return false
}

// Load reads the configuration at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read simulated host configuration: %w", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return &c, nil
}

// Marshal encodes c as indented JSON.
func (c *Config) Marshal() ([]byte, error) {
	return json.MarshalIndent(c, "", "  ")
}

// DiskCache returns what the disk cache at cache holds for the disk path
// in the format c.DiskCacheFormat.
func (c *Config) DiskCache(cache, path string) string {
	switch c.DiskCacheFormat {
	case DiskSentence:
		return cache + " path is " + path + "\n"
	case DiskKeyValue:
		return "# written by alation init\npath: \"" + path + "\"\n"
	}
	return path + "\n"
}

// DiskCachePath returns the disk path a disk cache's content holds in any
// of DiskCacheFormats: the last word, quotes and a "key:" or "key="
// prefix set aside, that is an absolute path, outside comment lines; ""
// when there is none.
func DiskCachePath(content string) string {
	path := ""
	for _, line := range strings.Split(content, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, word := range strings.FieldsFunc(line, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(`=:'"`, r) }) {
			if strings.HasPrefix(word, "/") {
				path = word
			}
		}
	}
	return path
}

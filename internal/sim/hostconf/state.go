package hostconf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Replication modes of alation.cluster.replication_mode.
const (
	ModeStandalone = "standalone"
	ModeMaster     = "master"
	ModeSlave      = "slave"
)

// State is the mutable state of a simulated host, kept as JSON under the
// Alation directory.
type State struct {
	// Conf holds the alation_conf keys the simulation knows.
	Conf Conf `json:"conf"`
	// Mongo lists, on a primary, the secondaries whose simulated Mongo
	// replication has started, sorted by source.
	Mongo []MongoSecondary `json:"mongo,omitempty"`
	// Actions counts, by name, the alation_action runs that started on
	// the host, so that a test can tell an action ran once.
	Actions map[string]int `json:"actions,omitempty"`
}

// Conf holds the alation.cluster.* configuration values.
type Conf struct {
	// ReplicationMode is alation.cluster.replication_mode.
	ReplicationMode string `json:"replication_mode"`
	// Hosts is alation.cluster.hosts, the secondaries' CIDRs.
	Hosts []string `json:"hosts"`
	// PGReplInLine is alation.cluster.pg_repl_in_line.
	PGReplInLine bool `json:"pg_repl_in_line"`
	// Master is the primary a secondary follows: the simulation's own
	// record, which no alation_conf key shows (a real host's is its
	// PostgreSQL's primary_conninfo).
	Master string `json:"master"`
}

// Value returns the value of the alation_conf key as the default format
// prints it ("standalone", "['10.0.0.3/32', '10.0.0.4/32']", "True"), and
// whether the key is known.
func (c Conf) Value(key string) (string, bool) {
	switch key {
	case "alation.cluster.replication_mode":
		return c.ReplicationMode, true
	case "alation.cluster.hosts":
		quoted := make([]string, len(c.Hosts))
		for i, h := range c.Hosts {
			quoted[i] = "'" + h + "'"
		}
		return "[" + strings.Join(quoted, ", ") + "]", true
	case "alation.cluster.pg_repl_in_line":
		if c.PGReplInLine {
			return "True", true
		}
		return "False", true
	}
	return "", false
}

// MongoSecondary is one secondary of the simulated Mongo replica set.
type MongoSecondary struct {
	// Source is ADDRESS:27017 of the secondary.
	Source string `json:"source"`
	// Started is when replication to it began.
	Started time.Time `json:"started"`
}

// DefaultState is the state of a freshly installed standalone host.
func DefaultState() State {
	return State{Conf: Conf{ReplicationMode: ModeStandalone, Hosts: []string{}, PGReplInLine: true}}
}

// StatePath is the state file under an Alation directory.
func StatePath(alationDir string) string { return filepath.Join(alationDir, ".sim", "state.json") }

// LoadState reads the state file under alationDir.
func LoadState(alationDir string) (State, error) {
	path := StatePath(alationDir)
	b, err := os.ReadFile(path)
	if err != nil {
		return State{}, fmt.Errorf("read state: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return State{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if s.Conf.Hosts == nil {
		s.Conf.Hosts = []string{}
	}
	return s, nil
}

// SaveState writes s under alationDir, replacing the file atomically.
func SaveState(alationDir string, s State) error {
	path := StatePath(alationDir)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

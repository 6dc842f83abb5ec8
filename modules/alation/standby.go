package alation

import (
	"context"
	"fmt"
	"strings"

	"github.com/runbookhq/runbook/engine/transport"
)

// standbyState is what a host's PostgreSQL says of its own part in
// replication: whether it is a standby and, if so, the primary it streams
// from (or tries to).
type standbyState struct {
	inRecovery bool
	// upstream is the host of the primary, from the connection string of
	// the WAL receiver, else of primary_conninfo; empty when not a standby
	// or when neither names one.
	upstream string
}

// standbyQuery returns the Alation shell lines that print, one labelled
// line each, what readStandby parses: "recovery t|f", then for a standby
// "receiver CONNINFO" from pg_stat_wal_receiver (9.6 and later) and
// "configured CONNINFO", from the primary_conninfo setting (12 and later)
// or from recovery.conf in the data directory (before 12).
func standbyQuery(versionNum int) []string {
	lines := []string{`echo "recovery $(psql rosemeta -Atc 'SELECT pg_is_in_recovery()')"`}
	if versionNum >= 90600 {
		lines = append(lines, superPSQL+`echo "receiver $(superpsql -Atc 'SELECT conninfo FROM pg_stat_wal_receiver')"`)
	}
	if versionNum >= 120000 {
		return append(lines, superPSQL+`echo "configured $(superpsql -Atc 'SHOW primary_conninfo')"`)
	}
	return append(lines, superPSQL+`echo "configured $(sudo -n cat "$(superpsql -Atc 'SHOW data_directory')/recovery.conf" 2>/dev/null | sed -n "s/^[[:space:]]*primary_conninfo[[:space:]]*=[[:space:]]*'\(.*\)'[[:space:]]*$/\1/p")"`)
}

// readStandby reads the standby state of h, whose PostgreSQL has the
// server_version_num versionNum.
func readStandby(ctx context.Context, h transport.Host, versionNum int) (standbyState, error) {
	res, err := runInShell(ctx, h, standbyQuery(versionNum)...)
	out, err := mustOK(res, err, "read whether PostgreSQL is a standby, and of which primary")
	if err != nil {
		return standbyState{}, err
	}
	return parseStandby(out)
}

// parseStandby reads the output of standbyQuery. The WAL receiver, which
// names the primary it actually streams from, wins over the setting.
func parseStandby(out string) (standbyState, error) {
	var s standbyState
	var receiver, configured string
	seen := false
	for _, line := range strings.Split(out, "\n") {
		label, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		value = strings.TrimSpace(value)
		switch label {
		case "recovery":
			if value != "t" && value != "f" {
				return standbyState{}, fmt.Errorf("pg_is_in_recovery() returned %q", value)
			}
			s.inRecovery, seen = value == "t", true
		case "receiver":
			receiver = value
		case "configured":
			configured = value
		}
	}
	if !seen {
		return standbyState{}, fmt.Errorf("pg_is_in_recovery() returned nothing: %q", strings.TrimSpace(out))
	}
	if !s.inRecovery {
		return s, nil
	}
	if s.upstream = conninfoHost(receiver); s.upstream == "" {
		s.upstream = conninfoHost(configured)
	}
	return s, nil
}

// conninfoHost returns the host a libpq connection string names: its host
// keyword, else its hostaddr; empty when it names neither.
func conninfoHost(conninfo string) string {
	values := map[string]string{}
	for _, field := range strings.Fields(conninfo) {
		if k, v, ok := strings.Cut(field, "="); ok {
			values[k] = strings.Trim(v, `'`)
		}
	}
	if h := values["host"]; h != "" && !strings.HasPrefix(h, "/") {
		return h
	}
	return values["hostaddr"]
}

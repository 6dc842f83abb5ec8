package alation

import (
	"context"
	"strings"

	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// replicationRow is the row of pg_stat_replication for one standby.
type replicationRow struct {
	clientAddr string
	state      string
	byteLag    int64
	lagKnown   bool
}

// streaming reports whether the standby streams WAL.
func (r replicationRow) streaming() bool { return r.state == "streaming" }

// readReplicationRows reads pg_stat_replication on h, a primary, in the
// Alation shell, with the query of its server version.
func readReplicationRows(ctx context.Context, h transport.Host, versionNum int) ([]replicationRow, error) {
	res, err := runInShell(ctx, h, superPSQL+"superpsql -Atc "+shellquote.Quote(lagQuery(versionNum)))
	out, err := mustOK(res, err, "read pg_stat_replication")
	if err != nil {
		return nil, err
	}
	return parseReplicationRows(out), nil
}

// standbyRow returns the row whose client_addr is address; a /32 suffix
// of address is ignored.
func standbyRow(rows []replicationRow, address string) (replicationRow, bool) {
	address = strings.TrimSuffix(address, "/32")
	for _, row := range rows {
		if row.clientAddr == address {
			return row, true
		}
	}
	return replicationRow{}, false
}

// streamsTo reports whether pg_stat_replication on primary lists address
// as a standby in state streaming. It is the one test of an established
// replication: pg_replicate skips the copy on it and alation_facts reports
// it, so that a playbook can tell beforehand whether data will be
// replaced.
func streamsTo(ctx context.Context, primary transport.Host, versionNum int, address string) (bool, error) {
	rows, err := readReplicationRows(ctx, primary, versionNum)
	if err != nil {
		return false, err
	}
	row, found := standbyRow(rows, address)
	return found && row.streaming(), nil
}

// lagQuery returns the query of each standby's address, state and replay
// lag in bytes, in the names of the server's version: PostgreSQL 10
// renamed the xlog functions and the *_location columns.
func lagQuery(versionNum int) string {
	if versionNum < 100000 {
		return "SELECT client_addr, state, pg_xlog_location_diff(sent_location, replay_location) FROM pg_stat_replication"
	}
	return "SELECT client_addr, state, pg_wal_lsn_diff(sent_lsn, replay_lsn) FROM pg_stat_replication"
}

// parseReplicationRows reads the unaligned (psql -At) output of lagQuery.
// A lag that is NULL, as it is before the standby replays anything, is
// left unknown.
func parseReplicationRows(out string) []replicationRow {
	var rows []replicationRow
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Split(strings.TrimSpace(line), "|")
		if len(fields) != 3 || fields[0] == "" {
			continue
		}
		row := replicationRow{clientAddr: fields[0], state: fields[1]}
		if lag, err := parseNumber(fields[2]); err == nil {
			row.byteLag, row.lagKnown = lag, true
		}
		rows = append(rows, row)
	}
	return rows
}

package alation

import (
	"strings"
	"testing"
)

// TestParseStandby reads the standby state from what PostgreSQL 9.x to
// 15 print: a primary, a streaming standby (its WAL receiver's obfuscated
// connection string, as pg_stat_wal_receiver shows it), a standby whose
// primary is unreachable (no receiver; the setting or recovery.conf), and
// a standby connecting through a socket directory.
func TestParseStandby(t *testing.T) {
	tests := []struct {
		name, out string
		want      standbyState
	}{
		{"primary", "recovery f\nreceiver \nconfigured \n", standbyState{}},
		{"15, streaming", "recovery t\nreceiver user=replicator passfile=/var/lib/postgresql/.pgpass channel_binding=prefer dbname=replication host=10.0.0.2 port=5432 fallback_application_name=walreceiver sslmode=prefer\nconfigured user=replicator host=10.0.0.2 port=5432\n", standbyState{true, "10.0.0.2"}},
		{"15, primary unreachable", "recovery t\nreceiver \nconfigured user=replicator host=10.9.9.9 port=5432\n", standbyState{true, "10.9.9.9"}},
		{"9.6, from recovery.conf", "recovery t\nreceiver \nconfigured host=10.0.0.2 port=5432 user=replicator application_name=alation\n", standbyState{true, "10.0.0.2"}},
		{"9.3, no receiver view", "recovery t\nconfigured host='10.0.0.2' port=5432\n", standbyState{true, "10.0.0.2"}},
		{"hostaddr only", "recovery t\nreceiver hostaddr=10.0.0.2 port=5432\n", standbyState{true, "10.0.0.2"}},
		{"socket directory and hostaddr", "recovery t\nreceiver host=/var/run/postgresql hostaddr=10.0.0.2\n", standbyState{true, "10.0.0.2"}},
		{"standby naming no primary", "recovery t\nreceiver \nconfigured \n", standbyState{true, ""}},
	}
	for _, tt := range tests {
		got, err := parseStandby(tt.out)
		if err != nil || got != tt.want {
			t.Errorf("%s: parseStandby = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	for _, out := range []string{"", "recovery \n", "psql: could not connect to server\n"} {
		if got, err := parseStandby(out); err == nil {
			t.Errorf("parseStandby(%q) = %+v; want an error", out, got)
		}
	}
}

// TestStandbyQuery asks each server version in its own terms: no
// pg_stat_wal_receiver before 9.6, recovery.conf before 12.
func TestStandbyQuery(t *testing.T) {
	for _, tt := range []struct {
		versionNum                  int
		receiver, setting, recovery bool
	}{
		{90324, false, false, true},
		{90600, true, false, true},
		{110005, true, false, true},
		{150004, true, true, false},
	} {
		q := strings.Join(standbyQuery(tt.versionNum), "\n")
		if strings.Contains(q, "pg_stat_wal_receiver") != tt.receiver || strings.Contains(q, "SHOW primary_conninfo") != tt.setting || strings.Contains(q, "recovery.conf") != tt.recovery {
			t.Errorf("standbyQuery(%d) = %s", tt.versionNum, q)
		}
		for _, line := range standbyQuery(tt.versionNum) {
			if err := lineSafe(line); err != nil {
				t.Errorf("standbyQuery(%d): %v", tt.versionNum, err)
			}
		}
	}
}

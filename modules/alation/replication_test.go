package alation

import (
	"reflect"
	"strings"
	"testing"
)

func TestLagQuery(t *testing.T) {
	if q := lagQuery(90600); !strings.Contains(q, "pg_xlog_location_diff(sent_location, replay_location)") {
		t.Errorf("lagQuery(90600) = %s", q)
	}
	if q := lagQuery(150004); !strings.Contains(q, "pg_wal_lsn_diff(sent_lsn, replay_lsn)") {
		t.Errorf("lagQuery(150004) = %s", q)
	}
}

func TestParseReplicationRows(t *testing.T) {
	out := "127.0.2.2|streaming|0\n10.0.0.3|catchup|\n|streaming|5\n10.0.0.4|streaming|1024.0\ngarbage\n"
	want := []replicationRow{
		{clientAddr: "127.0.2.2", state: "streaming", byteLag: 0, lagKnown: true},
		{clientAddr: "10.0.0.3", state: "catchup"},
		{clientAddr: "10.0.0.4", state: "streaming", byteLag: 1024, lagKnown: true},
	}
	if got := parseReplicationRows(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parseReplicationRows = %+v, want %+v", got, want)
	}
}

func TestStandbyRow(t *testing.T) {
	rows := parseReplicationRows("10.0.0.3|catchup|\n10.0.0.4|streaming|0\n")
	tests := []struct {
		address   string
		found     bool
		streaming bool
	}{
		{"10.0.0.4", true, true},
		{"10.0.0.4/32", true, true},
		{"10.0.0.3", true, false},
		{"10.0.0.40", false, false},
		{"10.0.0.4/24", false, false},
	}
	for _, tt := range tests {
		row, found := standbyRow(rows, tt.address)
		if found != tt.found || row.streaming() != tt.streaming {
			t.Errorf("standbyRow(%q) = %+v, %v; want found %v, streaming %v", tt.address, row, found, tt.found, tt.streaming)
		}
	}
}

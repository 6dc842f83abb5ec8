package alation

import (
	"reflect"
	"strings"
	"testing"
)

// lag is a reported lag of source.
func lag(source string, seconds int) mongoLagLine {
	return mongoLagLine{source: source, seconds: seconds, known: true}
}

// TestParseMongoLag reads the lag report in the wordings of the mongo
// shell 2.4 ("= N secs ago"), 2.6 to 4.x ("N secs (H hrs) behind the
// primary") and mongosh (replLag), with arbiters and members in initial
// sync.
func TestParseMongoLag(t *testing.T) {
	arbiter := mongoLagLine{source: "arb.example.net:27017", note: "no replication info, yet.  State: ARBITER", arbiter: true}
	tests := []struct {
		name string
		out  string
		want []mongoLagLine
	}{
		{"2.4", "source:   m1.example.net:30001\n\t syncedTo: Tue Oct 02 2012 11:33:40 GMT-0400 (EDT)\n\t\t = 7475 secs ago (2.08hrs)\n" +
			"source:   m2.example.net:30002\n\t syncedTo: Tue Oct 02 2012 11:33:40 GMT-0400 (EDT)\n\t\t = -1 secs ago (0hrs)\n",
			[]mongoLagLine{lag("m1.example.net:30001", 7475), lag("m2.example.net:30002", -1)}},
		{"2.4 initial sync", "source:   m1.example.net:30001\n\t doing initial sync\n",
			[]mongoLagLine{{source: "m1.example.net:30001", note: "doing initial sync"}}},
		{"3.x", "source: 127.0.2.2:27017\n\tsyncedTo: Thu Nov 26 2026 12:07:10 GMT+0000 (UTC)\n\t36000 secs (10 hrs) behind the primary \n",
			[]mongoLagLine{lag("127.0.2.2:27017", 36000)}},
		{"3.x with an arbiter", "source: m2.example.net:27017\n\tsyncedTo: Thu Apr 10 2014 10:27:47 GMT-0400 (EDT)\n\t0 secs (0 hrs) behind the primary \n" +
			"source: arb.example.net:27017\n\tno replication info, yet.  State: ARBITER\n",
			[]mongoLagLine{lag("m2.example.net:27017", 0), arbiter}},
		{"negative", "source: m1.example.net:27017\n    syncedTo: Thu Apr 10 2014 10:27:47 GMT-0400 (EDT)\n    -2 secs (0 hrs) behind the primary\n",
			[]mongoLagLine{lag("m1.example.net:27017", -2)}},
		{"mongosh", "source: m2:27017\n{\n  syncedTo: 'Thu Apr 10 2014 10:27:47 GMT-0400 (EDT)',\n  replLag: '1 sec (0 hrs) behind the primary '\n}\n",
			[]mongoLagLine{lag("m2:27017", 1)}},
		{"mongosh arbiter", "source: arb:27017\n{\n  'no replication info, yet': 'State: ARBITER'\n}\n",
			[]mongoLagLine{{source: "arb:27017", note: "no replication info, yet': 'State: ARBITER", arbiter: true}}},
		{"two", "source: a:27017\n\t5 secs (0 hrs) behind the primary\nsource: b:27017\n\t7200 secs (2 hrs) behind the primary\n",
			[]mongoLagLine{lag("a:27017", 5), lag("b:27017", 7200)}},
		{"freshest member", "source: c:27017\n\t3 secs (0 hrs) behind the freshest member (no primary available at the moment)\n",
			[]mongoLagLine{lag("c:27017", 3)}},
		{"nothing", "no replication has been started\n", nil},
	}
	for _, tt := range tests {
		if got := parseMongoLag(tt.out); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: parseMongoLag = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestPickLag picks the secondary asked for, or the furthest behind,
// passing over arbiters and failing on a secondary with no lag.
func TestPickLag(t *testing.T) {
	lags := []mongoLagLine{lag("a:27017", 5), lag("b:27017", 7200), {source: "arb:27017", note: "State: ARBITER", arbiter: true}}
	tests := []struct {
		want  string
		got   mongoLagLine
		fails bool
	}{
		{"", lag("b:27017", 7200), false},
		{"a", lag("a:27017", 5), false},
		{"a:27017", lag("a:27017", 5), false},
		{"c", mongoLagLine{}, true},
		{"arb", mongoLagLine{}, true},
	}
	for _, tt := range tests {
		got, err := pickLag(lags, tt.want)
		if got != tt.got || (err != nil) != tt.fails {
			t.Errorf("pickLag(%q) = %v, %v", tt.want, got, err)
		}
	}
	syncing := []mongoLagLine{{source: "a:27017", note: "doing initial sync"}}
	for _, want := range []string{"", "a"} {
		if _, err := pickLag(syncing, want); err == nil || !strings.Contains(err.Error(), "doing initial sync") {
			t.Errorf("pickLag(%q) of a member in initial sync: %v; want an error saying so", want, err)
		}
	}
	for _, none := range [][]mongoLagLine{nil, lags[2:]} {
		if _, err := pickLag(none, ""); err == nil {
			t.Errorf("pickLag(%v) succeeded", none)
		}
	}
}

func TestMongoLagValidate(t *testing.T) {
	ok := MongoLag{MaxLag: 60, Wait: "30m", Interval: "2s"}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v", ok, err)
	}
	for _, bad := range []MongoLag{
		{MaxLag: -1, Wait: "30m", Interval: "2s"},
		{MaxLag: 60, Wait: "soon", Interval: "2s"},
		{MaxLag: 60, Wait: "30m", Interval: "0s"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) succeeded", bad)
		}
	}
}

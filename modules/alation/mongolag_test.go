package alation

import (
	"reflect"
	"testing"
)

func TestParseMongoLag(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want []mongoLagLine
	}{
		{"legacy shell", "source: 127.0.2.2:27017\n\tsyncedTo: Thu Nov 26 2026 12:07:10 GMT+0000 (UTC)\n\t36000 secs (10 hrs) behind the primary \n",
			[]mongoLagLine{{"127.0.2.2:27017", 36000}}},
		{"negative", "source: m1.example.net:27017\n    syncedTo: Thu Apr 10 2014 10:27:47 GMT-0400 (EDT)\n    -2 secs (0 hrs) behind the primary\n",
			[]mongoLagLine{{"m1.example.net:27017", -2}}},
		{"mongosh", "source: m2:27017\n{\n  syncedTo: 'Thu Apr 10 2014 10:27:47 GMT-0400 (EDT)',\n  replLag: '1 sec (0 hrs) behind the primary '\n}\n",
			[]mongoLagLine{{"m2:27017", 1}}},
		{"two", "source: a:27017\n\t5 secs (0 hrs) behind the primary\nsource: b:27017\n\t7200 secs (2 hrs) behind the primary\n",
			[]mongoLagLine{{"a:27017", 5}, {"b:27017", 7200}}},
		{"freshest member", "source: c:27017\n\t3 secs (0 hrs) behind the freshest member (no primary available at the moment)\n",
			[]mongoLagLine{{"c:27017", 3}}},
		{"nothing", "no replication has been started\n", nil},
	}
	for _, tt := range tests {
		if got := parseMongoLag(tt.out); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: parseMongoLag = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPickLag(t *testing.T) {
	lags := []mongoLagLine{{"a:27017", 5}, {"b:27017", 7200}}
	tests := []struct {
		want  string
		got   mongoLagLine
		fails bool
	}{
		{"", mongoLagLine{"b:27017", 7200}, false},
		{"a", mongoLagLine{"a:27017", 5}, false},
		{"a:27017", mongoLagLine{"a:27017", 5}, false},
		{"c", mongoLagLine{}, true},
	}
	for _, tt := range tests {
		got, err := pickLag(lags, tt.want)
		if got != tt.got || (err != nil) != tt.fails {
			t.Errorf("pickLag(%q) = %v, %v", tt.want, got, err)
		}
	}
	if _, err := pickLag(nil, ""); err == nil {
		t.Error("pickLag(nil) succeeded")
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

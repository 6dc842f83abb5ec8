package main

import (
	"reflect"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

func TestParseHosts(t *testing.T) {
	want := []string{"10.0.0.2/32", "10.0.0.3/32"}
	for _, in := range []string{"['10.0.0.2/32', '10.0.0.3/32']", "[10.0.0.2/32,10.0.0.3/32]", "10.0.0.2/32,10.0.0.3/32"} {
		got, err := parseHosts(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseHosts(%q) = %v, %v", in, got, err)
		}
	}
	if got, err := parseHosts("[]"); err != nil || len(got) != 0 {
		t.Errorf("parseHosts([]) = %v, %v", got, err)
	}
	if _, err := parseHosts("['not-an-ip']"); err == nil {
		t.Error("invalid host accepted")
	}
	if s := confStyles[hostconf.ConfSpaced].list(want); s != "['10.0.0.2/32', '10.0.0.3/32']" {
		t.Errorf("list = %s", s)
	}
}

func TestSingleAddress(t *testing.T) {
	if a, err := singleAddress("127.0.2.2/32"); err != nil || a != "127.0.2.2" {
		t.Errorf("got %q, %v", a, err)
	}
	if _, err := singleAddress("10.0.0.0/24"); err == nil {
		t.Error("network accepted as a host")
	}
}

func TestMongoLag(t *testing.T) {
	h := &host{cfg: &hostconf.Config{MongoInitialLag: 10 * time.Hour, MongoCatchUp: 100 * time.Second}}
	for _, tc := range []struct {
		elapsed time.Duration
		lag     int64
		hrs     string
	}{
		{0, 36000, "10"},
		{50 * time.Second, 18000, "5"},
		{85 * time.Second, 5400, "1.5"},
		{100 * time.Second, 0, "0"},
		{time.Hour, 0, "0"},
	} {
		lag := h.mongoLag(tc.elapsed)
		if lag != tc.lag || formatHours(lag) != tc.hrs {
			t.Errorf("after %s: %d secs (%s hrs), want %d (%s)", tc.elapsed, lag, formatHours(lag), tc.lag, tc.hrs)
		}
	}
}

func TestCanAttach(t *testing.T) {
	if err := canAttach(hostconf.ModeStandalone, "", "127.0.2.1"); err != nil {
		t.Error(err)
	}
	if err := canAttach(hostconf.ModeSlave, "127.0.2.1", "127.0.2.1"); err != nil {
		t.Error(err)
	}
	if err := canAttach(hostconf.ModeSlave, "127.0.9.1", "127.0.2.1"); err == nil {
		t.Error("slave of another primary accepted")
	}
	if err := canAttach(hostconf.ModeMaster, "", "127.0.2.1"); err == nil {
		t.Error("master accepted as a secondary")
	}
}

// TestConfStyles prints a list and a string in each format as real hosts
// print them.
func TestConfStyles(t *testing.T) {
	two := []string{"10.0.0.3/32", "10.0.0.4/32"}
	for _, tt := range []struct {
		format, str, one, two, none string
	}{
		{hostconf.ConfSpaced, "standalone", "['10.0.0.3/32']", "['10.0.0.3/32', '10.0.0.4/32']", "[]"},
		{hostconf.ConfCompact, "standalone", "['10.0.0.3/32']", "['10.0.0.3/32','10.0.0.4/32']", "[]"},
		{hostconf.ConfPython2, "u'standalone'", "[u'10.0.0.3/32']", "[u'10.0.0.3/32', u'10.0.0.4/32']", "None"},
		{hostconf.ConfTuple, "u'standalone'", "(u'10.0.0.3/32',)", "(u'10.0.0.3/32', u'10.0.0.4/32')", "()"},
		{hostconf.ConfCSV, "standalone", "10.0.0.3/32", "10.0.0.3/32,10.0.0.4/32", ""},
	} {
		st := confStyles[tt.format]
		if got := []string{st.str("standalone"), st.list(two[:1]), st.list(two), st.list(nil)}; !reflect.DeepEqual(got, []string{tt.str, tt.one, tt.two, tt.none}) {
			t.Errorf("format %q prints %q", tt.format, got)
		}
	}
	for _, f := range hostconf.ConfFormats {
		if _, ok := confStyles[f]; !ok {
			t.Errorf("format %q has no style", f)
		}
	}
}

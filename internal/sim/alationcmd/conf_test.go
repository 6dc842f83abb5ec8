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
	if s := formatList(want); s != "['10.0.0.2/32', '10.0.0.3/32']" {
		t.Errorf("formatList = %s", s)
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

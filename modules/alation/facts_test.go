package alation

import (
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

func TestParseRouteSource(t *testing.T) {
	tests := map[string]string{
		"10.0.0.3 via 10.0.0.1 dev eth0 src 10.0.0.2 uid 0 \\    cache ":              "10.0.0.2",
		"local 127.0.2.2 dev lo table local src 127.0.0.1 uid 0 \\    cache <local> ": "127.0.0.1",
		"RTNETLINK answers: Network is unreachable":                                   "",
	}
	for in, want := range tests {
		if got := parseRouteSource(in); got != want {
			t.Errorf("parseRouteSource(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFindCIDR(t *testing.T) {
	out := "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n" +
		"1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n" +
		"2: eth0    inet 10.11.2.15/24 brd 10.11.2.255 scope global eth0\\       valid_lft forever\n"
	tests := map[string]string{
		"10.11.2.15": "10.11.2.15/24",
		"127.0.0.1":  "127.0.0.1/8",
		"::1":        "::1/128",
		"10.11.2.1":  "",
		"":           "",
	}
	for addr, want := range tests {
		if got := findCIDR(out, addr); got != want {
			t.Errorf("findCIDR(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		res     transport.Result
		running bool
		fails   bool
	}{
		{transport.Result{Stdout: []byte("Alation is running\n")}, true, false},
		{transport.Result{ExitCode: 3, Stdout: []byte("Alation is stopped\n")}, false, false},
		{transport.Result{Stdout: []byte("Alation is stopped\n")}, false, false},
		{transport.Result{ExitCode: 1, Stderr: []byte("boom\n")}, false, true},
	}
	for _, tt := range tests {
		running, err := parseStatus(tt.res)
		if running != tt.running || (err != nil) != tt.fails {
			t.Errorf("parseStatus(%+v) = %v, %v", tt.res, running, err)
		}
	}
}

func TestExtraOutput(t *testing.T) {
	tests := []struct{ stdout, stderr, want string }{
		{outputMarker + "\n", "", ""},
		{"Welcome to prod\n" + outputMarker + "\n", "", "Welcome to prod"},
		{outputMarker + "\n", "motd\n", "motd"},
		{"a\n" + outputMarker + "\n", "b\n", "a\nb"},
	}
	for _, tt := range tests {
		if got := extraOutput(tt.stdout, tt.stderr); got != tt.want {
			t.Errorf("extraOutput(%q, %q) = %q, want %q", tt.stdout, tt.stderr, got, tt.want)
		}
	}
}

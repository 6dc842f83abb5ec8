package alation

import "testing"

func TestParseRoute(t *testing.T) {
	tests := map[string]route{
		"10.0.0.3 via 10.0.0.1 dev eth0 src 10.0.0.2 uid 0 \\    cache ":              {source: "10.0.0.2"},
		"local 127.0.2.2 dev lo table local src 127.0.0.1 uid 0 \\    cache <local> ": {source: "127.0.0.1", local: true},
		"local ::1 dev lo table local proto kernel src ::1 metric 0 pref medium":      {source: "::1", local: true},
		"broadcast 10.0.0.255 dev eth0 table local src 10.0.0.2 uid 0 \\    cache ":   {source: "10.0.0.2"},
		"RTNETLINK answers: Network is unreachable":                                   {},
	}
	for in, want := range tests {
		if got := parseRoute(in); got != want {
			t.Errorf("parseRoute(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestFindCIDR(t *testing.T) {
	out := "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n" +
		"1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n" +
		"2: eth0    inet 10.11.2.15/24 brd 10.11.2.255 scope global eth0\\       valid_lft forever\n" +
		"3: eth1    inet 10.11.0.7/16 brd 10.11.255.255 scope global eth1\\       valid_lft forever\n"
	tests := map[string]string{
		"10.11.2.15": "10.11.2.15/24",
		"127.0.0.1":  "127.0.0.1/8",
		"::1":        "::1/128",
		"127.0.2.1":  "127.0.2.1/8",
		"10.11.2.1":  "10.11.2.1/24",
		"10.11.9.9":  "10.11.9.9/16",
		"192.0.2.1":  "",
		"pg-primary": "",
		"":           "",
	}
	for addr, want := range tests {
		if got := findCIDR(out, addr); got != want {
			t.Errorf("findCIDR(%q) = %q, want %q", addr, got, want)
		}
	}
}

package alation

import (
	"reflect"
	"testing"

	"github.com/runbookhq/runbook/engine/shellquote"
)

// TestParseConf reads the spellings of "KEY = VALUE" that alation_conf
// prints across versions and Python 2 or 3, among login noise and log
// lines.
func TestParseConf(t *testing.T) {
	out := "Welcome to prod!\n" +
		"alation.cluster.replication_mode = standalone\n" +
		"alation.cluster.hosts = ['10.0.0.2/32']\n" +
		"alation.cluster.pg_repl_in_line = \n" +
		"not a key = x\n" +
		"2026-12-04 10:00:01,123 WARNING no kerberos ticket\n"
	want := map[string]string{
		"alation.cluster.replication_mode": "standalone",
		"alation.cluster.hosts":            "['10.0.0.2/32']",
		"alation.cluster.pg_repl_in_line":  "",
	}
	if got := parseConf(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parseConf = %q, want %q", got, want)
	}
	for _, line := range []string{
		"alation.cluster.replication_mode = standalone",
		"alation.cluster.replication_mode=standalone",
		"alation.cluster.replication_mode\t=\tstandalone",
		"  alation.cluster.replication_mode   =   standalone   ",
		"alation.cluster.replication_mode: standalone",
		"alation.cluster.replication_mode : standalone\r",
		"alation.cluster.replication_mode = 'standalone'",
		`alation.cluster.replication_mode = "standalone"`,
		"alation.cluster.replication_mode = u'standalone'",
	} {
		if got := parseConf(line + "\n")[keyReplicationMode]; got != "standalone" {
			t.Errorf("parseConf(%q) = %q, want standalone", line, got)
		}
	}
	if got, ok := parseConf("alation.cluster.master = None\n")["alation.cluster.master"]; !ok || got != "" {
		t.Errorf("None read as %q, %v; want an empty value", got, ok)
	}
}

// TestParseList reads every list spelling: Python 2 and 3 lists and
// tuples, bare comma lists, and the empty ones.
func TestParseList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"[]", []string{}},
		{"()", []string{}},
		{"None", []string{}},
		{"['10.0.0.2/32']", []string{"10.0.0.2/32"}},
		{"[u'10.0.0.2/32']", []string{"10.0.0.2/32"}},
		{"[u'10.0.0.2/32', u'10.0.0.4/32']", []string{"10.0.0.2/32", "10.0.0.4/32"}},
		{"(u'10.0.0.2/32',)", []string{"10.0.0.2/32"}},
		{"('a', 'b')", []string{"a", "b"}},
		{"['a', 'b']", []string{"a", "b"}},
		{"[a,b]", []string{"a", "b"}},
		{"a,b", []string{"a", "b"}},
		{"10.0.0.2/32", []string{"10.0.0.2/32"}},
		{`["a"]`, []string{"a"}},
	}
	for _, tt := range tests {
		if got := parseList(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatList(t *testing.T) {
	if got := formatList([]string{"a/32", "b/24"}); got != "['a/32','b/24']" {
		t.Errorf("formatList = %s", got)
	}
	if got := formatList(nil); got != "[]" {
		t.Errorf("formatList(nil) = %s", got)
	}
}

func TestSameConfValue(t *testing.T) {
	tests := []struct {
		current, wanted string
		same            bool
	}{
		{"standalone", "standalone", true},
		{"standalone", "master", false},
		{"True", "true", true},
		{"False", "True", false},
		{"False", "no", false},
		{"['10.0.0.2/32']", "['10.0.0.2/32']", true},
		{"['10.0.0.2/32']", "[10.0.0.2/32]", true},
		{"['a', 'b']", "['b','a']", true},
		{"[u'b', u'a']", "['a','b']", true},
		{"(u'a',)", "['a']", true},
		{"a,b", "['a','b']", true},
		{"a", "['a']", true},
		{"None", "[]", true},
		{"None", "['a']", false},
		{"['a', 'a']", "['a']", true},
		{"['a']", "['a','b']", false},
		{"u'standalone'", "standalone", true},
		{"[]", "['a']", false},
		{"'x'", "x", true},
		{"", "", true},
	}
	for _, tt := range tests {
		if got := sameConfValue(tt.current, tt.wanted); got != tt.same {
			t.Errorf("sameConfValue(%q, %q) = %v, want %v", tt.current, tt.wanted, got, tt.same)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := map[string]string{
		"plain":       "plain",
		"":            "''",
		"['a']":       `'['\''a'\'']'`,
		"a b":         "'a b'",
		"10.0.0.2/32": "10.0.0.2/32",
		"$(rm -rf /)": `'$(rm -rf /)'`,
	}
	for in, want := range tests {
		if got := shellquote.Quote(in); got != want {
			t.Errorf("shellquote.Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

package alation

import (
	"reflect"
	"testing"
)

func TestParseConf(t *testing.T) {
	out := "Welcome to prod!\nalation.cluster.replication_mode = standalone\n" +
		"alation.cluster.hosts = ['10.0.0.2/32']\nalation.cluster.pg_repl_in_line = \nnot a key = x\n"
	want := map[string]string{
		"alation.cluster.replication_mode": "standalone",
		"alation.cluster.hosts":            "['10.0.0.2/32']",
		"alation.cluster.pg_repl_in_line":  "",
	}
	if got := parseConf(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parseConf = %q, want %q", got, want)
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"[]", []string{}},
		{"['10.0.0.2/32']", []string{"10.0.0.2/32"}},
		{"['a', 'b']", []string{"a", "b"}},
		{"[a,b]", []string{"a", "b"}},
		{"a,b", []string{"a", "b"}},
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
		{"['a', 'b']", "['b','a']", false},
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
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

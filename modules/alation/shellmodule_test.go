package alation

import "testing"

func TestAlationShellValidate(t *testing.T) {
	tests := []struct {
		name  string
		m     AlationShell
		fails bool
	}{
		{"get", AlationShell{Get: "alation.cluster.hosts"}, false},
		{"nothing", AlationShell{}, true},
		{"two forms", AlationShell{Get: "a.b", Service: "start"}, true},
		{"set", AlationShell{Set: &SetConf{Key: "a.b", Value: "x"}}, false},
		{"set without key", AlationShell{Set: &SetConf{Value: "x"}}, true},
		{"key value", AlationShell{Key: "a.b", Value: "False"}, false},
		{"key values", AlationShell{Key: "a.b", Values: []string{"10.0.0.2/32"}}, false},
		{"key value and values", AlationShell{Key: "a.b", Value: "x", Values: []string{"y"}}, true},
		{"value alone", AlationShell{Get: "a.b", Value: "x"}, true},
		{"guarded action", AlationShell{Action: "cluster_enter_master_mode"}, false},
		{"unknown action", AlationShell{Action: "cluster_add_slaves"}, true},
		{"unguarded action", AlationShell{Action: "cluster_add_slaves", Unguarded: true}, false},
		{"action injection", AlationShell{Action: "x; rm -rf /", Unguarded: true}, true},
		{"service start", AlationShell{Service: "start"}, false},
		{"service stop", AlationShell{Service: "stop"}, true},
	}
	for _, tt := range tests {
		if err := tt.m.Validate(); (err != nil) != tt.fails {
			t.Errorf("%s: Validate = %v, want fails %v", tt.name, err, tt.fails)
		}
	}
}

func TestAlationShellSetTarget(t *testing.T) {
	tests := []struct {
		m          AlationShell
		key, value string
	}{
		{AlationShell{Set: &SetConf{Key: "k.a", Value: "v"}}, "k.a", "v"},
		{AlationShell{Key: "k.b", Value: "False"}, "k.b", "False"},
		{AlationShell{Key: "k.c", Values: []string{"a/32", "b/32"}}, "k.c", "['a/32','b/32']"},
		{AlationShell{Key: "k.d", Values: []string{}}, "k.d", "[]"},
	}
	for _, tt := range tests {
		if key, value := tt.m.setTarget(); key != tt.key || value != tt.value {
			t.Errorf("setTarget(%+v) = %q %q, want %q %q", tt.m, key, value, tt.key, tt.value)
		}
	}
}

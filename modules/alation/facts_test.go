package alation

import (
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

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

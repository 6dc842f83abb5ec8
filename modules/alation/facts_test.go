package alation

import (
	"slices"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// TestParseStatus reads the wordings of /etc/init.d/alation status: one
// summary line, one line a service in the wording of Red Hat's
// /etc/init.d/functions or of supervisorctl, with the LSB exit codes or
// exit 0 whatever the services do; a wording it cannot tell fails,
// quoting it.
func TestParseStatus(t *testing.T) {
	result := func(code int, stdout string) transport.Result {
		return transport.Result{ExitCode: code, Stdout: []byte(stdout)}
	}
	tests := []struct {
		name    string
		res     transport.Result
		running bool
		down    []string
		fails   string // what the error quotes; "" for none
	}{
		{"summary", result(0, "Alation is running\n"), true, nil, ""},
		{"summary stopped, LSB 3", result(3, "Alation is stopped\n"), false, []string{"Alation is stopped"}, ""},
		{"summary stopped, exit 0", result(0, "Alation is stopped\n"), false, []string{"Alation is stopped"}, ""},
		{"silent LSB 0", result(0, ""), true, nil, ""},
		{"silent LSB 3", result(3, ""), false, nil, ""},
		{"initd all running", result(0, "postgresql (pid  2331) is running...\nmongod (pid 2400) is running...\nkvstore (pid 2410) is running...\n"), true, nil, ""},
		{"initd dead, exit 0", result(0, "postgresql (pid  2331) is running...\nmongod dead but pid file exists\n"), false, []string{"mongod dead but pid file exists"}, ""},
		{"initd stopped, LSB 3", result(3, "postgresql is stopped\nmongod is stopped\n"), false, []string{"postgresql is stopped", "mongod is stopped"}, ""},
		{"initd dead, LSB 1", result(1, "mongod dead but subsys locked\n"), false, []string{"mongod dead but subsys locked"}, ""},
		{"supervisor all running", result(0, "celery                  RUNNING   pid 1234, uptime 1 day, 2:03:04\nweb                     RUNNING   pid 1240, uptime 1 day, 2:03:01\n"), true, nil, ""},
		{"supervisor fatal, exit 0", result(0, "celery                  RUNNING   pid 1234, uptime 0:01:02\nweb                     FATAL     Exited too quickly (process log may have details)\n"), false,
			[]string{"web                     FATAL     Exited too quickly (process log may have details)"}, ""},
		{"supervisor starting", result(0, "web                     STARTING\n"), false, []string{"web                     STARTING"}, ""},
		{"not running", result(0, "alation: not running\n"), false, []string{"alation: not running"}, ""},
		{"unknown wording", result(0, "Everything is splendid\n"), false, nil, "Everything is splendid"},
		{"LSB 4", result(4, "status unknown\n"), false, nil, "status unknown"},
		{"LSB 1 without a report", transport.Result{ExitCode: 1, Stderr: []byte("boom\n")}, false, nil, ""},
		{"other code", transport.Result{ExitCode: 5, Stderr: []byte("boom\n")}, false, nil, "boom"},
	}
	for _, tt := range tests {
		running, down, err := parseStatus(tt.res)
		if running != tt.running || !slices.Equal(down, tt.down) {
			t.Errorf("%s: parseStatus = %v, %q, %v; want %v, %q", tt.name, running, down, err, tt.running, tt.down)
		}
		switch {
		case tt.fails == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.fails != "" && (err == nil || !strings.Contains(err.Error(), tt.fails)):
			t.Errorf("%s: error %v does not quote %q", tt.name, err, tt.fails)
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

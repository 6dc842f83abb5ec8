package engine

import (
	"context"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// TestHostWarningIsAnEvent checks that what a transport passes to its
// HostConfig's Warn reaches the subscribers as one host_warning event of
// that host, redacted like every other message.
func TestHostWarningIsAnEvent(t *testing.T) {
	p := mustLoad(t, `
host "web" {
  password = "hunter2-secret"
}
task "echo" "hello" {
  on      = host.web
  message = "hi"
}
`, LoadOptions{})
	connect := func(h HostConfig) (transport.Host, error) {
		h.Warn("login as root with password hunter2-secret")
		return transport.NewLocal(), nil
	}
	rec := &recorder{}
	if _, err := Run(context.Background(), p, RunOptions{Connect: connect, Subscribers: []Subscriber{rec}}); err != nil {
		t.Fatal(err)
	}
	var warnings []Event
	for _, e := range rec.all() {
		if e.Kind == EventHostWarning {
			warnings = append(warnings, e)
		}
	}
	if len(warnings) != 1 {
		t.Fatalf("%d warning events, want 1: %+v", len(warnings), warnings)
	}
	if w := warnings[0]; w.Host != "web" || w.Line != "login as root with password (sensitive)" || w.Task != "" {
		t.Errorf("warning event %+v", w)
	}
}

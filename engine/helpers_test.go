package engine

import (
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/loadtest"
	"github.com/runbookhq/runbook/engine/transport"
)

// mustLoad loads a one-file playbook and fails the test on any error.
func mustLoad(t testing.TB, src string, opts LoadOptions) *Playbook {
	t.Helper()
	return loadtest.MustLoad(t, src, func(dir string) (*Playbook, hcl.Diagnostics) { return Load(dir, opts) })
}

// diagText renders diagnostics as a person would read them; p may be nil.
func diagText(p *Playbook, diags hcl.Diagnostics) string { return loadtest.DiagText(p, diags) }

// localConnect connects every host to the control node.
func localConnect(HostConfig) (transport.Host, error) { return transport.NewLocal(), nil }

// recorder is a Subscriber that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// all returns the events seen so far.
func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// result returns the report entry of an instance, failing the test when
// there is none.
func resultOf(t testing.TB, rep *Report, id string) InstanceResult {
	t.Helper()
	for _, r := range rep.Instances {
		if r.ID() == id {
			return r
		}
	}
	t.Fatalf("no instance %s in the report", id)
	return InstanceResult{}
}

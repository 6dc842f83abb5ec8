package faulttest

import (
	"context"
	"testing"

	"github.com/runbookhq/runbook/engine"
)

// bgRun is an engine run going on in the background while the test breaks
// something.
type bgRun struct {
	done chan struct{}
	rep  *engine.Report
	err  error
}

// startRun starts engine.Run. When the test ends, the run is cancelled
// if it still goes on, and waited for, so that nothing outlives the test.
func startRun(t testing.TB, p *engine.Playbook, opts engine.RunOptions) *bgRun {
	t.Helper()
	ctx, cancel := context.WithCancel(deadline(t))
	r := &bgRun{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.rep, r.err = engine.Run(ctx, p, opts)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// wait waits for the run to end and returns its report and error.
func (r *bgRun) wait() (*engine.Report, error) {
	<-r.done
	return r.rep, r.err
}

// runNow runs the playbook to its end, bounded by testDeadline.
func runNow(t testing.TB, p *engine.Playbook, opts engine.RunOptions) (*engine.Report, error) {
	t.Helper()
	return startRun(t, p, opts).wait()
}

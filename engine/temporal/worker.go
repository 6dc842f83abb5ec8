package temporal

import (
	"context"
	"errors"
	"time"

	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/transport"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// WorkerOptions are the options of a worker.
type WorkerOptions struct {
	// Connect connects to a host, as engine.RunOptions.Connect does.
	Connect func(config.HostConfig) (transport.Host, error)
}

// Serve runs a worker until ctx is done: it runs the steps of the hosts
// of queue, keeping one connection per host across a run's steps, and
// the walks of runs (on DefaultQueue), which reach no host. A worker of
// a network's queue needs to reach that network's hosts and the server,
// nothing else.
func (c *Client) Serve(ctx context.Context, queue string, opts WorkerOptions) error {
	if queue == "" {
		queue = DefaultQueue
	}
	s := &steps{c: c.c, dc: c.dc, connect: opts.Connect, runs: map[string]*session{}}
	defer s.close()
	stepWorker := worker.New(c.c, queue, worker.Options{MaxHeartbeatThrottleInterval: liveEvery})
	stepWorker.RegisterActivityWithOptions(s.Step, activity.RegisterOptions{Name: stepName})
	workers := []worker.Worker{stepWorker}
	walkWorker := stepWorker
	if queue != DefaultQueue {
		walkWorker = worker.New(c.c, DefaultQueue, worker.Options{})
		workers = append(workers, walkWorker)
	}
	walkWorker.RegisterWorkflowWithOptions(RunWorkflow, workflow.RegisterOptions{Name: workflowName})
	for i, w := range workers {
		if err := w.Start(); err != nil {
			for _, started := range workers[:i] {
				started.Stop()
			}
			return err
		}
	}
	tick := time.NewTicker(idleSession / 5)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
			_ = s.sweep() // closing a connection that is no longer used fails only on its host's side
		}
	}
	for _, w := range workers {
		w.Stop()
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil
	}
	return ctx.Err()
}

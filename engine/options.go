package engine

import (
	"context"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
)

// LoadOptions are the values given to a playbook from outside its files.
type LoadOptions struct {
	// Vars holds "NAME=VALUE" assignments, as given by -var flags, in
	// command-line order; a later one wins.
	Vars []string
	// VarFiles holds the paths of *.vars.hcl files, in order; a later file
	// wins.
	VarFiles []string
	// Environ is the environment (as os.Environ returns it), from which
	// RUNBOOK_VAR_NAME values are read. Nil means no environment values.
	Environ []string
}

// Defaults of RunOptions.
const (
	// DefaultParallel is the global limit on running instances used when
	// RunOptions.Parallel is zero.
	DefaultParallel = 64
	// DefaultPerHost is the per-host limit used when RunOptions.PerHost is
	// zero.
	DefaultPerHost = 8
)

// RunOptions steer a Run.
type RunOptions struct {
	// Connect returns the transport of a host other than the built-in
	// local host. It is called at most once per host, when the first
	// instance on that host starts (or a module asks for it as a peer).
	// An error wrapping transport.ErrUnreachable marks the host
	// unreachable.
	Connect func(HostConfig) (transport.Host, error)
	// Parallel is the global limit on running instances; 0 means
	// DefaultParallel.
	Parallel int
	// PerHost is the limit of running instances per host; 0 means
	// DefaultPerHost.
	PerHost int
	// FailFast makes the first failure cancel the running instances and
	// everything not yet started.
	FailFast bool
	// Limit restricts the run to the instances on these hosts or groups;
	// empty means every host.
	Limit []string
	// Timeout bounds each attempt of a task that sets no timeout of its
	// own; 0 means no bound.
	Timeout time.Duration
	// Subscribers receive every event of the run.
	Subscribers []Subscriber
	// Confirm is asked, one question at a time, before an instance whose
	// task has a confirm sentence starts. Nil refuses every such instance.
	Confirm func(ctx context.Context, inst InstanceInfo) (bool, error)
}

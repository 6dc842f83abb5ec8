package module

import (
	"fmt"

	"github.com/runbookhq/runbook/engine/transport"
)

// Env is what a running task instance sees of the world.
type Env struct {
	// Host is the transport to the host the instance runs on. Commands
	// run through it stream their output as events, run under sudo when
	// the task sets sudo = true, and get the host's sudo password filled
	// in when they ask for Sudo themselves.
	Host transport.Host
	// HostName is the inventory name of that host.
	HostName string
	// Task is the task's name.
	Task string
	// Detach, when set, asks the module to run its work as a detached
	// job with these options, through Detached: the task sets detach =
	// true, which only modules that implement Detachable accept.
	Detach *JobOptions

	// Diff reports that the run asks for the changes made to files
	// (runbook run --diff): a module that writes files then puts them in
	// Result.Diffs, in check mode and out of it. Reading a file's old
	// content costs a download, so a module reads it only when Diff is
	// set.
	Diff bool

	peer     func(ref HostRef) (transport.Host, error)
	progress func(msg string)
	jobs     JobKeeper
}

// EnvHooks are what an executor gives the Env of an instance it runs.
// Every field may be nil.
type EnvHooks struct {
	// Peer gives the transports of the instance's peers (see Env.Peer).
	Peer func(HostRef) (transport.Host, error)
	// Progress receives the module's progress messages.
	Progress func(msg string)
	// Jobs records the instance's detached jobs (see Env.Detached); nil
	// runs them with no journal, as NewEnv does.
	Jobs JobKeeper
	// Detach is the Env's Detach.
	Detach *JobOptions
}

// NewEnv returns an Env for code that runs modules outside the engine, such
// as tests of a module. peers holds the transports of the hosts that the
// module's HostRef arguments name, by host name, and may be nil; progress
// receives progress messages and may be nil.
func NewEnv(host transport.Host, hostName, task string, peers map[string]transport.Host, progress func(string)) *Env {
	peer := func(ref HostRef) (transport.Host, error) {
		if h, ok := peers[ref.Name]; ok {
			return h, nil
		}
		return nil, fmt.Errorf("host %s: %w", ref.Name, ErrNotPeer)
	}
	return NewEnvHooks(host, hostName, task, EnvHooks{Peer: peer, Progress: progress})
}

// NewEnvHooks returns an Env for an executor: one whose Peer, progress
// messages and detached jobs go through hooks.
func NewEnvHooks(host transport.Host, hostName, task string, hooks EnvHooks) *Env {
	return &Env{Host: host, HostName: hostName, Task: task, Detach: hooks.Detach, peer: hooks.Peer, progress: hooks.Progress, jobs: hooks.Jobs}
}

// Peer returns the transport to the host that ref names, for modules that
// work between two hosts. ref is the value of one of the module's HostRef
// arguments: the engine gives a task only the hosts those arguments name
// (its peers), and refuses any other with an error wrapping ErrNotPeer.
// Commands run through the transport are labelled with the peer's name in
// events, run under the task's sudo with the peer's sudo password, and a
// connection failure makes the peer unreachable.
func (e *Env) Peer(ref HostRef) (transport.Host, error) {
	if e.peer == nil {
		return nil, fmt.Errorf("host %s: %w", ref.Name, ErrNotPeer)
	}
	return e.peer(ref)
}

// Progressf reports progress of a long-running task as an event.
func (e *Env) Progressf(format string, args ...any) {
	if e.progress != nil {
		e.progress(fmt.Sprintf(format, args...))
	}
}

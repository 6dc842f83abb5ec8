package modules

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/runbookhq/runbook/engine"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "wait_for",
		Doc: "Waits until a TCP port answers (or stops answering), a path exists (or is gone), or a command succeeds, " +
			"checking every interval and failing after within. Ports are probed from the task's host, not from the " +
			"control node, so a task on a host waits for what that host can reach. It never changes anything. " +
			"The wait is named within rather than timeout because timeout is the meta-argument that bounds any task; " +
			"a shorter timeout cuts the wait short.",
		New: func() engine.Module {
			return &WaitFor{Host: "127.0.0.1", State: stateStarted, Within: "60s", Interval: "1s"}
		},
		Outputs: WaitForOutputs{},
	})
}

// The states wait_for can wait for.
const (
	stateStarted = "started"
	stateStopped = "stopped"
)

// progressEvery is how often wait_for reports that it is still waiting.
const progressEvery = 5 * time.Second

// WaitFor is the wait_for module: it waits until a port, a path or a
// command on the host is in the wanted state.
type WaitFor struct {
	Host     string          `hcl:"host,optional" doc:"The address whose port is probed, as the task's host reaches it. Used with port."`
	Port     int             `hcl:"port,optional" doc:"A TCP port to wait for. Set exactly one of port, path and command."`
	Path     string          `hcl:"path,optional" doc:"A path on the host to wait for. Set exactly one of port, path and command."`
	Command  string          `hcl:"command,optional" doc:"A command line, run by /bin/sh -c on the host until it exits with status 0. Set exactly one of port, path and command."`
	State    string          `hcl:"state,optional" doc:"\"started\" waits until the port accepts connections or the path exists; \"stopped\" waits until the port refuses them or the path is gone. Not used with command."`
	Within   engine.Duration `hcl:"within,optional" doc:"How long to keep checking before the task fails, as a duration such as \"90s\" or \"5m\"."`
	Interval engine.Duration `hcl:"interval,optional" doc:"How long to pause between checks, as a duration such as \"1s\"."`
}

// WaitForOutputs are the outputs of the wait_for module.
type WaitForOutputs struct {
	ElapsedSeconds float64 `cty:"elapsed_seconds" doc:"How long the wait took, in seconds."`
	Attempts       int     `cty:"attempts" doc:"How many checks were made, the last one included."`
}

// Validate checks that exactly one thing to wait for is set, that the
// state suits it and that the durations are positive.
func (w *WaitFor) Validate() error {
	set := 0
	for _, isSet := range []bool{w.Port != 0, w.Path != "", w.Command != ""} {
		if isSet {
			set++
		}
	}
	switch {
	case set != 1:
		return errors.New("set exactly one of port, path and command")
	case w.Port != 0 && (w.Port < 1 || w.Port > 65535):
		return engine.ArgErrorf("port", "port %d is not between 1 and 65535", w.Port)
	case w.Port != 0 && w.Host == "":
		return engine.ArgErrorf("host", "host is empty")
	case w.State != stateStarted && w.State != stateStopped:
		return engine.ArgErrorf("state", "state %q is neither %q nor %q", w.State, stateStarted, stateStopped)
	case w.Command != "" && w.State != stateStarted:
		return engine.ArgErrorf("state", "state does not apply to command: a command is waited for until it succeeds")
	}
	return engine.CheckArguments(w)
}

// Describe says what the task waits for and for how long at most.
func (w *WaitFor) Describe() string {
	subject, want := w.words()
	return fmt.Sprintf("wait up to %s for %s %s", w.Within, subject, want)
}

// SafeToRepeat reports true: waiting changes nothing.
func (w *WaitFor) SafeToRepeat() bool { return true }

// Run checks the condition until it holds or within has passed.
func (w *WaitFor) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if err := engine.CheckArguments(w); err != nil {
		return engine.Result{}, err
	}
	within, interval := w.Within.Value(), w.Interval.Value()
	subject, want := w.words()
	check, failure := w.probe(env)
	start := time.Now()
	deadline := start.Add(within)
	var reported time.Time
	for attempt := 1; ; attempt++ {
		ok, err := check(ctx)
		now := time.Now()
		out := WaitForOutputs{ElapsedSeconds: math.Round(now.Sub(start).Seconds()*1000) / 1000, Attempts: attempt}
		switch {
		case err != nil:
			return engine.Result{Outputs: out}, err
		case ok:
			return engine.Result{Outputs: out}, nil
		case !now.Before(deadline):
			return engine.Result{Outputs: out}, fmt.Errorf("%s %s after %s", subject, failure(), w.Within)
		}
		if attempt == 1 || now.Sub(reported) >= progressEvery {
			env.Progressf("waiting for %s %s (%s of %s)", subject, want, now.Sub(start).Round(time.Second), w.Within)
			reported = now
		}
		pause := time.NewTimer(min(interval, deadline.Sub(now)))
		select {
		case <-ctx.Done():
			pause.Stop()
			return engine.Result{Outputs: out}, fmt.Errorf("wait for %s on %s: %w", subject, env.HostName, ctx.Err())
		case <-pause.C:
		}
	}
}

package modules

import (
	"context"
	"errors"
	"fmt"

	"github.com/runbookhq/runbook/engine"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "assert",
		Doc: "Fails the task with a message when a condition is false. The condition is any boolean expression over " +
			"variables, hosts and the outputs of other tasks; the task usually runs on local, the control node, " +
			"and changes nothing.",
		New:     func() engine.Module { return &Assert{} },
		Outputs: AssertOutputs{},
	})
}

// ErrAssertionFailed is the error of an assert task whose condition is
// false; the task's message follows it.
var ErrAssertionFailed = errors.New("assertion failed")

// Assert is the assert module: it fails when its condition is false.
type Assert struct {
	That           bool   `hcl:"that" doc:"The condition that must hold."`
	Message        string `hcl:"message,optional" doc:"What the failure says when the condition is false; say what is wrong and what to do."`
	SuccessMessage string `hcl:"success_message,optional" doc:"A progress message shown when the condition holds."`
}

// AssertOutputs are the outputs of the assert module.
type AssertOutputs struct {
	Passed bool `cty:"passed" doc:"Whether the condition held."`
}

// Describe says whether the assertion holds, which plan can tell once the
// condition is known.
func (a *Assert) Describe() string {
	if a.That {
		return "assertion holds"
	}
	return "assertion fails: " + a.message()
}

// SafeToRepeat reports true: checking again changes nothing.
func (a *Assert) SafeToRepeat() bool { return true }

// Run fails with the message when the condition is false.
func (a *Assert) Run(_ context.Context, env *engine.Env) (engine.Result, error) {
	if !a.That {
		return engine.Result{Outputs: AssertOutputs{}}, fmt.Errorf("%w: %s", ErrAssertionFailed, a.message())
	}
	if a.SuccessMessage != "" {
		env.Progressf("%s", a.SuccessMessage)
	}
	return engine.Result{Outputs: AssertOutputs{Passed: true}}, nil
}

// Check does what Run does: an assertion changes nothing, so check mode
// runs it. One whose condition reads outputs known only after a run is
// not checked (the engine reports it as one it cannot predict).
func (a *Assert) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return a.Run(ctx, env)
}

// message returns the failure message, or a stand-in when none was given.
func (a *Assert) message() string {
	if a.Message == "" {
		return "the condition is false"
	}
	return a.Message
}

var (
	_ engine.Describer  = (*Assert)(nil)
	_ engine.Repeatable = (*Assert)(nil)
	_ engine.Checker    = (*Assert)(nil)
)

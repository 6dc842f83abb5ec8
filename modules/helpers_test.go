package modules_test

import (
	"context"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

// newEnv returns an Env on the control node named hostName, with a local
// transport that is closed when the test ends; progress may be nil.
func newEnv(t *testing.T, hostName string, progress func(string)) *engine.Env {
	t.Helper()
	host := transport.NewLocal()
	t.Cleanup(func() { host.Close() })
	return engine.NewEnv(host, hostName, t.Name(), nil, progress)
}

// run validates m, as the engine does after decoding, and runs it on the
// control node.
func run(t *testing.T, m engine.Module) (engine.Result, error) {
	t.Helper()
	return runIn(t, newEnv(t, "local", nil), m)
}

// runIn validates m and runs it in env.
func runIn(t *testing.T, env *engine.Env, m engine.Module) (engine.Result, error) {
	t.Helper()
	if v, ok := m.(engine.Validator); ok {
		if err := v.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
	}
	return m.Run(context.Background(), env)
}

// mustRun is run for a task that must succeed.
func mustRun(t *testing.T, m engine.Module) engine.Result {
	t.Helper()
	res, err := run(t, m)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// newModule returns the module registered under name with its defaults,
// as the engine creates it before decoding a task's body.
func newModule[T engine.Module](t *testing.T, name string) T {
	t.Helper()
	info, ok := engine.LookupModule(name)
	if !ok {
		t.Fatalf("module %q is not registered", name)
	}
	m, ok := info.New().(T)
	if !ok {
		t.Fatalf("module %q: New returns %T", name, info.New())
	}
	return m
}

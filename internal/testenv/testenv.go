// Package testenv holds the one rule every test of runbook follows about
// what the machine must have: a missing dependency skips a test on a
// developer's machine, with the reason, and fails it under CI (CI=true),
// where every dependency must be present.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Missing reports a missing dependency of t: t.Fatalf under CI=true,
// t.Skipf otherwise.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Need returns the path of program, or reports it as Missing.
func Need(t testing.TB, program string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		Missing(t, "%s is required: %v", program, err)
	}
	return path
}

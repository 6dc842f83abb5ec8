package testenv

import (
	"os"
	"os/exec"
)

// T is the part of testing.TB that the rule needs. It is an interface of
// its own so that a package of helpers for tests, such as internal/sim,
// which a program links too, does not link the testing package into it.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Missing reports a missing dependency of t: t.Fatalf under CI=true,
// t.Skipf otherwise.
func Missing(t T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Need returns the path of program, or reports it as Missing.
func Need(t T, program string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		Missing(t, "%s is required: %v", program, err)
	}
	return path
}

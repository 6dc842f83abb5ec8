package sshdtest

import (
	"os"
	"os/exec"
	"testing"
)

// need returns the path of program, skipping the test when it is missing
// (failing it under CI=true, where every dependency must be present).
func need(t testing.TB, program string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required: %v", program, err)
	}
	t.Skipf("%s is not installed: %v", program, err)
	return ""
}

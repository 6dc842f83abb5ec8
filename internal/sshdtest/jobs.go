package sshdtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// NewJobUser creates a user (see NewUser) with a home of its own (see
// MakeHome), where the detached jobs it runs keep their files, and
// returns it with the home. When the test ends, what is left of those
// jobs is killed (their process groups) before the home and the user are
// removed. It needs root.
func NewJobUser(t testing.TB) (User, string) {
	t.Helper()
	u := NewUser(t)
	home := u.MakeHome(t)
	t.Cleanup(func() { killJobs(home) })
	return u, home
}

// killJobs kills the process groups of the jobs whose files are in home.
func killJobs(home string) {
	files, _ := filepath.Glob(filepath.Join(home, ".runbook", "jobs", "*", "pid"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if pid, err := strconv.Atoi(strings.Fields(string(b) + " 0")[0]); err == nil && pid > 1 {
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
}

package sim

import "testing"

// TestBinaryName gives each source tree its own simulated command, so
// that tests in worktrees side by side never start hosts with another
// tree's command.
func TestBinaryName(t *testing.T) {
	a, b := binaryName("/work/wt/a"), binaryName("/work/wt/b")
	if a == b {
		t.Errorf("two trees share the command name %s", a)
	}
	if again := binaryName("/work/wt/a/../a"); again != a {
		t.Errorf("one tree has two names: %s and %s", a, again)
	}
}

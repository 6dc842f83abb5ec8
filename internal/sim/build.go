package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// alationPackage is the import path of the simulated alation command.
const alationPackage = "github.com/runbookhq/runbook/internal/sim/alationcmd"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// alationBinary builds the simulated alation command once per process and
// returns its path, in the user's cache directory, under a name of its
// own for each source tree (see binaryName).
func alationBinary() (string, error) {
	buildOnce.Do(func() { buildPath, buildErr = buildAlation() })
	return buildPath, buildErr
}

func buildAlation() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "runbook-alation-sim")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("build simulated alation command: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "alation-*")
	if err != nil {
		return "", fmt.Errorf("build simulated alation command: %w", err)
	}
	tmp.Close()
	cmd := exec.Command("go", "build", "-o", tmp.Name(), alationPackage)
	cmd.Dir = moduleDir()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("build simulated alation command: %w: %s", err, strings.TrimSpace(string(out)))
	}
	final := filepath.Join(dir, binaryName(cmd.Dir))
	if err := os.Rename(tmp.Name(), final); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("build simulated alation command: %w", err)
	}
	return final, nil
}

// binaryName names the command built from the source tree in dir:
// "alation-" and a digest of dir's absolute path. Trees checked out side
// by side (git worktrees of one repository) hold different simulators,
// and tests in them run at once; with one shared name, a host started in
// one tree could get the command of another.
func binaryName(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	sum := sha256.Sum256([]byte(dir))
	return "alation-" + hex.EncodeToString(sum[:8])
}

// moduleDir is the directory of this module's source, found from this
// file's path; the current directory when the source is not at hand.
func moduleDir() string {
	_, file, _, ok := runtime.Caller(0)
	if ok {
		dir := filepath.Join(filepath.Dir(file), "..", "..")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
	}
	return "."
}

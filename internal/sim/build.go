package sim

import (
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
// returns its path, in the user's cache directory.
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
	final := filepath.Join(dir, "alation")
	if err := os.Rename(tmp.Name(), final); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("build simulated alation command: %w", err)
	}
	return final, nil
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

package sim

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// ErrMissingDependency is wrapped by the error CheckRequirements returns.
var ErrMissingDependency = errors.New("simulated alation host: missing dependency")

// requiredFiles are the programs a simulated host needs at fixed paths.
var requiredFiles = []string{
	"/usr/sbin/sshd",
	filepath.Join(hostconf.PGBin, "initdb"),
	filepath.Join(hostconf.PGBin, "pg_ctl"),
	filepath.Join(hostconf.PGBin, "pg_basebackup"),
	filepath.Join(hostconf.PGBin, "postgres"),
	filepath.Join(hostconf.PGBin, "psql"),
}

// requiredCommands are the programs a simulated host needs on PATH.
var requiredCommands = []string{"ssh", "ssh-keygen", "unshare", "nsenter", "mount", "sudo", "python3", "go"}

// CheckRequirements tells whether this machine can run simulated hosts:
// root, the programs they use and the postgres system user.
func CheckRequirements() error {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (the simulation mounts and switches users)")
	}
	for _, f := range requiredFiles {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	for _, c := range requiredCommands {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if _, err := user.Lookup("postgres"); err != nil {
		missing = append(missing, "the postgres system user")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s", ErrMissingDependency, strings.Join(missing, ", "))
	}
	return nil
}

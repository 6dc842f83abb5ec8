package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// psqlCommand runs the real psql against the host's PostgreSQL over its
// private socket, as the shell's role: the superuser unless the host
// names another.
func (h *host) psqlCommand(args []string) error {
	role := cmp.Or(h.cfg.ShellRole, "postgres")
	env := append(os.Environ(),
		"PGHOST="+hostconf.PGSocketDir,
		"PGPORT="+strconv.Itoa(hostconf.PGPort),
		"PGUSER="+role,
	)
	prog := filepath.Join(hostconf.PGBin, "psql")
	if err := syscall.Exec(prog, append([]string{"psql"}, args...), env); err != nil {
		return fmt.Errorf("run %s: %w", prog, err)
	}
	return nil
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// psqlCommand runs the real psql against the host's PostgreSQL as the
// superuser, over its private socket.
func (h *host) psqlCommand(args []string) error {
	env := append(os.Environ(),
		"PGHOST="+hostconf.PGSocketDir,
		"PGPORT="+strconv.Itoa(hostconf.PGPort),
		"PGUSER=postgres",
	)
	prog := filepath.Join(hostconf.PGBin, "psql")
	if err := syscall.Exec(prog, append([]string{"psql"}, args...), env); err != nil {
		return fmt.Errorf("run %s: %w", prog, err)
	}
	return nil
}

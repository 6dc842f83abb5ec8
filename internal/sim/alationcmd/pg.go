package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// asPostgres runs a PostgreSQL program as the postgres system user and
// returns its combined output.
func asPostgres(program string, args ...string) (string, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return "", fmt.Errorf("look up the postgres user: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	cmd := exec.Command(filepath.Join(hostconf.PGBin, program), args...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + u.HomeDir, "LANG=C.UTF-8"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err = cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// pgLog is the server log, beside the data directory.
func (h *host) pgLog() string {
	return filepath.Join(filepath.Dir(h.cfg.PGDataDir()), "postgresql.log")
}

// pgRunning reports whether the host's PostgreSQL is running.
func (h *host) pgRunning() bool {
	_, err := asPostgres("pg_ctl", "status", "-D", h.cfg.PGDataDir())
	return err == nil
}

// pgStart starts PostgreSQL and waits until it accepts connections.
func (h *host) pgStart() error {
	out, err := asPostgres("pg_ctl", "start", "-w", "-t", "60", "-D", h.cfg.PGDataDir(), "-l", h.pgLog())
	if err != nil {
		return fmt.Errorf("start postgresql: %w: %s (log: %s)", err, out, h.pgLog())
	}
	return h.pgCreateShellRole()
}

// pgCreateShellRole creates the shell's role, when the host names one, as
// a login role that is not a superuser; a standby has its primary's.
func (h *host) pgCreateShellRole() error {
	if h.cfg.ShellRole == "" || h.pgIsStandby() {
		return nil
	}
	_, err := h.pgQuery(fmt.Sprintf(`DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[1]s') THEN CREATE ROLE %[1]s LOGIN NOSUPERUSER; END IF; END$$`, h.cfg.ShellRole))
	if err != nil {
		return fmt.Errorf("create the role %s: %w", h.cfg.ShellRole, err)
	}
	return nil
}

// pgStop stops PostgreSQL with a fast shutdown.
func (h *host) pgStop() error {
	out, err := asPostgres("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", h.cfg.PGDataDir())
	if err != nil {
		return fmt.Errorf("stop postgresql: %w: %s", err, out)
	}
	return nil
}

// pgQuery runs one SQL statement on the local server as the superuser and
// returns the unaligned, tuples-only result.
func (h *host) pgQuery(sql string) (string, error) {
	out, err := asPostgres("psql", "-X", "-A", "-t", "-h", hostconf.PGSocketDir, "-p", strconv.Itoa(hostconf.PGPort),
		"-U", "postgres", "-d", hostconf.Database, "-c", sql)
	if err != nil {
		return "", fmt.Errorf("psql: %w: %s", err, out)
	}
	return out, nil
}

// pgIsStandby reports whether the data directory is set up as a standby.
func (h *host) pgIsStandby() bool {
	_, err := os.Stat(filepath.Join(h.cfg.PGDataDir(), "standby.signal"))
	return err == nil
}

// pgPromote turns a standby into a writable server.
func (h *host) pgPromote() error {
	if !h.pgIsStandby() {
		return nil
	}
	if !h.pgRunning() {
		if err := os.Remove(filepath.Join(h.cfg.PGDataDir(), "standby.signal")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("promote postgresql: %w", err)
		}
		return nil
	}
	out, err := asPostgres("pg_ctl", "promote", "-w", "-t", "60", "-D", h.cfg.PGDataDir())
	if err != nil {
		return fmt.Errorf("promote postgresql: %w: %s", err, out)
	}
	return nil
}

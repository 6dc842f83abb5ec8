package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// replicatePostgres implements cluster_replicate_postgres on a secondary:
// it stops PostgreSQL, takes a base backup of the primary in place of its
// data directory, configures it as a standby and starts it. On failure the
// previous data directory is put back and started again.
func (h *host) replicatePostgres() error {
	s, err := h.readState()
	if err != nil {
		return err
	}
	if s.Conf.ReplicationMode != hostconf.ModeSlave || s.Conf.Master == "" {
		return fmt.Errorf("this host is not a secondary (replication_mode %s): run cluster_add_slaves on the primary first", s.Conf.ReplicationMode)
	}
	if !h.servicesRunning() {
		return errors.New("this host is not running Alation: run `alation start` first")
	}
	master := s.Conf.Master
	if err := h.dial(master, hostconf.PGPort); err != nil {
		return fmt.Errorf("primary %s: port %d (PostgreSQL replication) is not reachable: %w", master, hostconf.PGPort, err)
	}
	if h.pgRunning() {
		if err := h.pgStop(); err != nil {
			return err
		}
		fmt.Println("Stopped PostgreSQL")
	}
	data := h.cfg.PGDataDir()
	previous := data + ".previous"
	if err := os.RemoveAll(previous); err != nil {
		return fmt.Errorf("remove %s: %w", previous, err)
	}
	if err := os.Rename(data, previous); err != nil {
		return fmt.Errorf("set aside %s: %w", data, err)
	}
	args := []string{"-d", hostconf.UpstreamConninfo(master, h.cfg.Address), "-D", data, "-R", "-X", "stream", "-c", "fast", "-w"}
	if h.cfg.ReplicateDelay > 0 {
		rate := throttle(previous, h.cfg.ReplicateDelay)
		fmt.Printf("Taking a base backup of %s:%d at %d kB/s\n", master, hostconf.PGPort, rate)
		args = append(args, "-r", fmt.Sprintf("%dk", rate))
	} else {
		fmt.Printf("Taking a base backup of %s:%d\n", master, hostconf.PGPort)
	}
	out, err := asPostgres("pg_basebackup", args...)
	if err != nil {
		return h.restoreData(previous, fmt.Errorf("pg_basebackup from %s: %w: %s", master, err, out))
	}
	if err := h.pgStart(); err != nil {
		return h.restoreData(previous, err)
	}
	if err := os.RemoveAll(previous); err != nil {
		return fmt.Errorf("remove %s: %w", previous, err)
	}
	rec, err := h.pgQuery("SELECT pg_is_in_recovery()")
	if err != nil {
		return err
	}
	if strings.TrimSpace(rec) != "t" {
		return fmt.Errorf("postgresql did not start as a standby of %s", master)
	}
	fmt.Printf("PostgreSQL on %s is a streaming standby of %s\n", h.cfg.Address, master)
	return nil
}

// restoreData puts the previous data directory back, starts PostgreSQL
// on it and returns cause.
func (h *host) restoreData(previous string, cause error) error {
	data := h.cfg.PGDataDir()
	if h.pgRunning() {
		_ = h.pgStop()
	}
	if err := os.RemoveAll(data); err != nil {
		return errors.Join(cause, fmt.Errorf("remove %s: %w", data, err))
	}
	if err := os.Rename(previous, data); err != nil {
		return errors.Join(cause, fmt.Errorf("restore %s: %w", filepath.Base(data), err))
	}
	if err := h.pgStart(); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// throttle returns the rate, in kB/s, at which a base backup copies about
// as much data as the directory previous holds (the host's own data,
// which stands for the primary's) in delay: pg_basebackup's --max-rate,
// which takes 32 kB/s at least.
func throttle(previous string, delay time.Duration) int64 {
	var size int64
	_ = filepath.WalkDir(previous, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	return max(size/1024/max(int64(delay/time.Second), 1), 32)
}

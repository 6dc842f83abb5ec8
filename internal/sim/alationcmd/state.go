package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// lockState takes the host's state lock (shared or exclusive) and returns
// the function that releases it.
func (h *host) lockState(how int) (func(), error) {
	path := filepath.Join(h.cfg.SimDir(), "state.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock state: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock state: %w", err)
	}
	return func() { f.Close() }, nil
}

// readState returns the current state.
func (h *host) readState() (hostconf.State, error) {
	unlock, err := h.lockState(syscall.LOCK_SH)
	if err != nil {
		return hostconf.State{}, err
	}
	defer unlock()
	return hostconf.LoadState(h.cfg.AlationDir)
}

// updateState applies fn to the state under the exclusive lock and saves
// the result when fn succeeds. fn must not take the lock itself.
func (h *host) updateState(fn func(*hostconf.State) error) error {
	unlock, err := h.lockState(syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	s, err := hostconf.LoadState(h.cfg.AlationDir)
	if err != nil {
		return err
	}
	if err := fn(&s); err != nil {
		return err
	}
	return hostconf.SaveState(h.cfg.AlationDir, s)
}

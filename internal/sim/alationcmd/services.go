package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// servicesPIDFile records the PID of the services process.
func (h *host) servicesPIDFile() string { return filepath.Join(h.cfg.SimDir(), "services.pid") }

// servicesPID returns the PID of the running services process, or 0.
func (h *host) servicesPID() int {
	b, err := os.ReadFile(h.servicesPIDFile())
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || exe != hostconf.InitScript {
		return 0
	}
	return pid
}

func (h *host) servicesRunning() bool { return h.servicesPID() != 0 }

// startServices starts the services process in its own session, detached
// from the caller's terminal and SSH channel, and waits until it listens.
func (h *host) startServices() error {
	log, err := os.OpenFile(filepath.Join(h.cfg.SimDir(), "services.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("start services: %w", err)
	}
	defer log.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start services: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(hostconf.InitScript, "services")
	cmd.Dir = "/"
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return fmt.Errorf("start services: %w", err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		ready <- strings.TrimSpace(line)
	}()
	select {
	case line := <-ready:
		if line != "ready" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return fmt.Errorf("start services: %s", strings.TrimPrefix(line, "error: "))
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return errors.New("start services: not ready after 30s")
	}
	if err := os.WriteFile(h.servicesPIDFile(), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("start services: %w", err)
	}
	return cmd.Process.Release()
}

// stopServices ends the services process and waits until it is gone.
func (h *host) stopServices() error {
	pid := h.servicesPID()
	if pid == 0 {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop services: %w", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for h.servicesPID() != 0 {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.Remove(h.servicesPIDFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("stop services: %w", err)
	}
	return nil
}

package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// status implements `alation status`: exit 0 when PostgreSQL and the
// simulated services run, else exit 3, worded as the host's status format
// says: one summary line, or one line a service. The services the host
// lists as down are reported down, with exit 0, as a status that only
// prints does.
func (h *host) status() error {
	pg, svc := h.pgRunning(), h.servicesRunning()
	if h.cfg.StatusFormat != hostconf.StatusSummary {
		return h.statusByService(map[string]bool{"postgresql": pg, "mongod": svc, "kvstore": svc})
	}
	if pg && svc {
		fmt.Println("Alation is running")
		return nil
	}
	fmt.Println("Alation is stopped")
	var parts []string
	if pg {
		parts = append(parts, "postgresql is running")
	}
	if svc {
		parts = append(parts, "the mongod and kvstore services are running")
	}
	if len(parts) > 0 {
		fmt.Fprintf(os.Stderr, "alation: partly running: %s\n", strings.Join(parts, ", "))
	}
	return &exitError{code: 3}
}

// serviceNames are the services statusByService lists, in its order.
var serviceNames = []string{"postgresql", "mongod", "kvstore"}

// statusByService prints one line a service, in the wording of the
// host's status format, and exits 3 when one is stopped.
func (h *host) statusByService(running map[string]bool) error {
	pid := h.servicesPID()
	stopped := false
	for _, name := range serviceNames {
		state := "running"
		switch {
		case !running[name]:
			state, stopped = "stopped", true
		case slices.Contains(h.cfg.DownServices, name):
			state = "down"
		}
		if h.cfg.StatusFormat == hostconf.StatusSupervisor {
			word := map[string]string{"running": fmt.Sprintf("RUNNING   pid %d, uptime 0:42:07", pid), "stopped": "STOPPED   Not started", "down": "FATAL     Exited too quickly (process log may have details)"}[state]
			fmt.Printf("%-24s%s\n", name, word)
			continue
		}
		word := map[string]string{"running": fmt.Sprintf("(pid  %d) is running...", pid), "stopped": "is stopped", "down": "dead but pid file exists"}[state]
		fmt.Printf("%s %s\n", name, word)
	}
	if stopped {
		return &exitError{code: 3}
	}
	return nil
}

// start implements `alation start`; it is idempotent.
func (h *host) start() error {
	if err := h.checkDisks(); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if h.pgRunning() {
		fmt.Println("PostgreSQL is already running")
	} else {
		if err := h.pgStart(); err != nil {
			return fmt.Errorf("start: %w", err)
		}
		fmt.Println("Started PostgreSQL")
	}
	if h.servicesRunning() {
		fmt.Println("MongoDB and KVStore are already running")
	} else {
		if err := h.startServices(); err != nil {
			return fmt.Errorf("start: %w", err)
		}
		fmt.Println("Started MongoDB and KVStore")
	}
	fmt.Println("Alation is running")
	return nil
}

// stop implements `alation stop`; it is idempotent.
func (h *host) stop() error {
	if h.servicesRunning() {
		if err := h.stopServices(); err != nil {
			return fmt.Errorf("stop: %w", err)
		}
		fmt.Println("Stopped MongoDB and KVStore")
	} else {
		fmt.Println("MongoDB and KVStore are not running")
	}
	if h.pgRunning() {
		if err := h.pgStop(); err != nil {
			return fmt.Errorf("stop: %w", err)
		}
		fmt.Println("Stopped PostgreSQL")
	} else {
		fmt.Println("PostgreSQL is not running")
	}
	fmt.Println("Alation is stopped")
	return nil
}

package main

import (
	"fmt"
	"os"
	"strings"
)

// status implements `alation status`: exit 0 when PostgreSQL and the
// simulated services run, else exit 3.
func (h *host) status() error {
	pg, svc := h.pgRunning(), h.servicesRunning()
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

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// diskCache is the path of .disk1_cache (n = 1, data) or .disk2_cache
// (n = 2, backup).
func (h *host) diskCache(n int) string {
	return filepath.Join(h.cfg.AlationDir, fmt.Sprintf(".disk%d_cache", n))
}

// diskPath reads the disk path recorded in cache n, in any of the host's
// formats.
func (h *host) diskPath(n int) (string, error) {
	b, err := os.ReadFile(h.diskCache(n))
	if err != nil {
		return "", fmt.Errorf("read disk cache: %w", err)
	}
	path := hostconf.DiskCachePath(string(b))
	if path == "" {
		return "", fmt.Errorf("%s holds no path", h.diskCache(n))
	}
	return path, nil
}

// checkDisks fails unless both disk caches name existing directories.
func (h *host) checkDisks() error {
	for _, d := range []struct {
		n    int
		what string
	}{{1, "data"}, {2, "backup"}} {
		path, err := h.diskPath(d.n)
		if err != nil {
			return err
		}
		if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s disk %s (from %s) is not a directory: run `alation init DATA_DISK_PATH BACKUP_DISK_PATH`", d.what, path, h.diskCache(d.n))
		}
	}
	return nil
}

// initDisks implements `alation init DATA BACKUP`.
func (h *host) initDisks(args []string) error {
	if len(args) != 2 {
		return &exitError{code: 2, msg: "usage: alation init DATA_DISK_PATH BACKUP_DISK_PATH"}
	}
	for i, what := range []string{"data", "backup"} {
		path := args[i]
		if !filepath.IsAbs(path) {
			return fmt.Errorf("init: %s disk path %q is not absolute", what, path)
		}
		fi, err := os.Stat(path)
		if err != nil || !fi.IsDir() {
			return fmt.Errorf("init: %s disk %s is not an existing directory", what, path)
		}
	}
	for i, path := range args {
		if err := os.WriteFile(h.diskCache(i+1), []byte(h.cfg.DiskCache(h.diskCache(i+1), filepath.Clean(path))), 0o644); err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	fmt.Printf("Data disk: %s\nBackup disk: %s\n", filepath.Clean(args[0]), filepath.Clean(args[1]))
	return nil
}

package sshtransport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kevinburke/ssh_config"
)

// systemSSHConfig is read after the user's ssh_config.
const systemSSHConfig = "/etc/ssh/ssh_config"

// sshConfig is the ssh_config files in the order ssh reads them: for each
// key, the first value found wins.
type sshConfig []*ssh_config.Config

// sshConfigFiles holds the parsed ssh_config files, read again when they
// change.
var sshConfigFiles fileCache[sshConfig]

// loadSSHConfig reads the user's file (~/.ssh/config when empty) and the
// system file; "none" reads neither. Missing files are skipped.
func loadSSHConfig(file string) (sshConfig, error) {
	if file == "none" {
		return nil, nil
	}
	if file == "" {
		file = filepath.Join(homeDir(), ".ssh", "config")
	}
	paths := []string{file, systemSSHConfig}
	return sshConfigFiles.load(paths, func() (sshConfig, error) { return parseSSHConfig(paths) })
}

// parseSSHConfig reads and parses the files at paths, skipping missing
// ones.
func parseSSHConfig(paths []string) (sshConfig, error) {
	var files sshConfig
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read ssh_config: %w", err)
		}
		cfg, err := ssh_config.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		files = append(files, cfg)
	}
	return files, nil
}

// get returns the first value of key for alias.
func (s sshConfig) get(alias, key string) string {
	for _, cfg := range s {
		if v, err := cfg.Get(alias, key); err == nil && v != "" {
			return v
		}
	}
	return ""
}

// getAll returns every value of key for alias, in order.
func (s sshConfig) getAll(alias, key string) []string {
	var all []string
	for _, cfg := range s {
		if v, err := cfg.GetAll(alias, key); err == nil {
			all = append(all, v...)
		}
	}
	return all
}

// homeDir returns the current user's home directory, or "" when unknown.
func homeDir() string {
	home, _ := os.UserHomeDir()
	return home
}

// expandPath expands a leading ~ and the ssh_config tokens %d (home), %u
// (local user), %h (remote host), %r (remote user) and %% in path.
func expandPath(path, host, remoteUser string) string {
	if path == "~" || strings.HasPrefix(path, "~/") {
		path = homeDir() + path[1:]
	}
	if !strings.Contains(path, "%") {
		return path
	}
	return strings.NewReplacer("%%", "%", "%d", homeDir(), "%u", localUser(), "%h", host, "%r", remoteUser).Replace(path)
}

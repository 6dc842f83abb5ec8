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
)

// generateKeys implements cluster_generate_keys (Alation 4.8 and later):
// it creates the replication key pair if missing, authorizes it for the
// SSH user on this host and prints the public key to copy to the peer.
func (h *host) generateKeys() error {
	key := h.replicationKey()
	if _, err := os.Stat(key); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(key), 0o700); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(key), err)
		}
		out, err := exec.Command("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "alation-replication", "-f", key).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ssh-keygen: %w: %s", err, strings.TrimSpace(string(out)))
		}
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		return fmt.Errorf("read public key: %w", err)
	}
	if err := authorize(h.cfg.User, strings.TrimSpace(string(pub))); err != nil {
		return err
	}
	fmt.Printf("%s\nCopy this public key to ~%s/.ssh/authorized_keys on the peer.\n", strings.TrimSpace(string(pub)), h.cfg.User)
	return nil
}

// authorize appends pub to name's ~/.ssh/authorized_keys unless present,
// with the modes sshd's StrictModes wants.
func authorize(name, pub string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("look up %s: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	dir := filepath.Join(u.HomeDir, ".ssh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	path := filepath.Join(dir, "authorized_keys")
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	content := old
	if !bytes.Contains(old, []byte(pub)) {
		if len(content) > 0 && !bytes.HasSuffix(content, []byte("\n")) {
			content = append(content, '\n')
		}
		content = append(content, pub+"\n"...)
	}
	if err := os.WriteFile(path, content, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for _, p := range []string{dir, path} {
		if err := os.Chown(p, uid, gid); err != nil {
			return fmt.Errorf("chown %s: %w", p, err)
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	return os.Chmod(path, 0o600)
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// cleanMarker is what the clean-shell probe prints; a login that prints
// anything else is not clean.
const cleanMarker = "alation-sim-clean-shell"

// replicationKey is the replication private key, seen from outside the
// Alation shell.
func (h *host) replicationKey() string { return h.cfg.AlationDir + hostconf.ReplicationKey }

// sshArgs are the ssh arguments that reach addr as the SSH user with the
// replication key, non-interactively, from the host's own address,
// trusting only the host keys in the known_hosts beside the key, as
// step 3 of the procedure leaves it.
func (h *host) sshArgs(addr string) []string {
	return []string{
		"-i", h.replicationKey(),
		"-b", h.cfg.Address,
		"-p", strconv.Itoa(h.cfg.SSHPort),
		"-l", h.cfg.User,
		"-F", "/dev/null",
		"-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile=" + filepath.Join(filepath.Dir(h.replicationKey()), "known_hosts"),
		"-o", "ConnectTimeout=10",
		"-o", "LogLevel=ERROR",
		addr,
	}
}

// sshRun runs remote on addr and returns its standard output. stdout and
// stderr, when not nil, receive the streams as they come instead.
func (h *host) sshRun(addr, remote string, stdout, stderr io.Writer) (string, error) {
	cmd := exec.Command("ssh", append(h.sshArgs(addr), "--", remote)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdout != nil {
		cmd.Stdout = io.MultiWriter(&out, stdout)
	}
	if stderr != nil {
		cmd.Stderr = io.MultiWriter(&errb, stderr)
	}
	err := cmd.Run()
	if err == nil {
		return out.String(), nil
	}
	msg := strings.TrimSpace(errb.String())
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 255 {
		if strings.Contains(msg, "Host key verification failed") {
			return "", fmt.Errorf("the host key of %s is not in %s beside %s: %s: log in to it once from the Alation shell (step 3) and check its key",
				addr, "known_hosts", hostconf.ReplicationKey, msg)
		}
		if strings.Contains(msg, "Permission denied") {
			return "", fmt.Errorf("cannot log in to %s as %s with %s: %s: the replication public key is not in %s's ~/.ssh/authorized_keys there (exchange the keys first)",
				addr, h.cfg.User, hostconf.ReplicationKey, msg, h.cfg.User)
		}
		return "", fmt.Errorf("ssh to %s as %s: %s", addr, h.cfg.User, msg)
	}
	return "", fmt.Errorf("ssh %s %q: %w: %s", addr, remote, err, msg)
}

// checkCleanShell logs in to addr and fails unless the login prints
// nothing but the command's own output.
func (h *host) checkCleanShell(addr string) error {
	if _, err := os.Stat(h.replicationKey()); err != nil {
		return fmt.Errorf("replication key %s is missing: run the key exchange first", hostconf.ReplicationKey)
	}
	out, err := h.sshRun(addr, "echo "+cleanMarker, nil, nil)
	if err != nil {
		return err
	}
	if out != cleanMarker+"\n" {
		extra := strings.TrimSpace(strings.Replace(out, cleanMarker+"\n", "", 1))
		return fmt.Errorf("shell not clean on %s: logging in as %s printed %q before the command's output (a MOTD?): touch ~/.hushlogin for %s on %s",
			addr, h.cfg.User, extra, h.cfg.User, addr)
	}
	return nil
}

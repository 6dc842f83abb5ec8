package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// CutConnections kills, with SIGKILL, the sshd processes that serve the
// host's SSH connections (the children of its listening sshd), as a
// dropped network or a sleeping laptop ends an operator's sessions, and
// returns how many it killed. What those sessions started in sessions of
// their own goes on.
func (h *Host) CutConnections() (int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, stat := range stats {
		b, err := os.ReadFile(stat)
		if err != nil {
			continue // the process is gone
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		fields := strings.Fields(s[i+1:])
		if i < 0 || len(fields) < 2 || fields[1] != strconv.Itoa(h.pid) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(stat)))
		if err != nil {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
			return n, fmt.Errorf("host %s: cut the connection of sshd %d: %w", h.Name, pid, err)
		}
		n++
	}
	return n, nil
}

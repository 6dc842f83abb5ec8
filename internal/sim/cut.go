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
// host's SSH connections (every sshd below its listening one: the
// privileged and the unprivileged process of each connection), as a
// dropped network or a sleeping laptop ends an operator's sessions, and
// returns how many it killed. The commands of those sessions lose their
// connection; what they started in sessions of their own goes on.
func (h *Host) CutConnections() (int, error) {
	children := map[int][]int{}
	names := map[int]string{}
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	for _, stat := range stats {
		b, err := os.ReadFile(stat)
		if err != nil {
			continue // the process is gone
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		fields := strings.Fields(s[end+1:])
		pid, perr := strconv.Atoi(filepath.Base(filepath.Dir(stat)))
		if open < 0 || end < open || len(fields) < 2 || perr != nil {
			continue
		}
		ppid, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		children[ppid] = append(children[ppid], pid)
		names[pid] = s[open+1 : end]
	}
	n := 0
	for queue := children[h.pid]; len(queue) > 0; queue = queue[1:] {
		pid := queue[0]
		if !strings.HasPrefix(names[pid], "sshd") {
			continue
		}
		queue = append(queue, children[pid]...)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
			return n, fmt.Errorf("host %s: cut the connection of sshd %d: %w", h.Name, pid, err)
		}
		n++
	}
	return n, nil
}

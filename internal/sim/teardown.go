package sim

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// inHost reports whether process pid lives in the host whose overlay
// upper layer is upper: its root mount is that overlay. Every such
// process was started by the simulation (sshd and what it runs,
// PostgreSQL, the services process, commands run with nsenter).
func inHost(pid int, upper string) bool {
	f, err := os.Open(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, opts := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || fields[4] != "/" || len(opts) < 3 || opts[0] != "overlay" {
			continue
		}
		for _, o := range strings.Split(opts[2], ",") {
			if o == "upperdir="+upper {
				return true
			}
		}
	}
	return false
}

// hostPIDs lists the processes living in the host of upper. It reads the
// mount table of one process per mount namespace.
func hostPIDs(upper string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	member := map[string]bool{} // mount namespace -> is the host's
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
		if err != nil {
			continue
		}
		in, seen := member[ns]
		if !seen {
			in = inHost(pid, upper)
			member[ns] = in
		}
		if in {
			pids = append(pids, pid)
		}
	}
	return pids
}

// signalHostProcess sends sig to pid if, checked through a pidfd so that
// a recycled PID is never hit, it lives in the host of upper.
func signalHostProcess(pid int, upper string, sig syscall.Signal) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if !inHost(pid, upper) {
		return false
	}
	return unix.PidfdSendSignal(fd, sig, nil, 0) == nil
}

// teardown ends every process of the host in dir, PostgreSQL first and
// gracefully so that it releases its shared memory, and removes dir. Once
// no process is left, the kernel drops the namespace and its mounts.
func teardown(dir string) error {
	upper := layersOf(dir).upper
	if pid := postmasterPID(upper); pid > 0 && signalHostProcess(pid, upper, syscall.SIGINT) {
		waitFor(20*time.Second, func() bool { return !inHost(pid, upper) })
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		pids := hostPIDs(upper)
		if len(pids) == 0 {
			break
		}
		for _, pid := range pids {
			signalHostProcess(pid, upper, sig)
		}
		waitFor(5*time.Second, func() bool { return len(hostPIDs(upper)) == 0 })
	}
	if pids := hostPIDs(upper); len(pids) > 0 {
		return fmt.Errorf("tear down %s: processes %v remain", dir, pids)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("tear down %s: %w", dir, err)
	}
	return nil
}

// postmasterPID reads the PID of the host's PostgreSQL from its data
// directory in the upper layer, or returns 0.
func postmasterPID(upper string) int {
	cfg, err := hostconf.Load(filepath.Join(upper, hostconf.Path))
	if err != nil {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(upper, cfg.PGDataDir(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0
	}
	return pid
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

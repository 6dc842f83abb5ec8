// Package netnstest makes network namespaces for tests: each has a name
// of its own (so that one left by a killed run never collides with the
// next run's), its loopback up, and is removed when the test ends. Links
// between two of them are veth pairs with addresses that exist inside
// those namespaces only.
//
// It needs root and ip(8) (iproute2); without them a test is skipped,
// except under CI=true, where it fails.
package netnstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/testenv"
	"golang.org/x/sys/unix"
)

// New makes a network namespace named after prefix with its loopback
// up, and removes it when the test ends, after the cleanups registered
// later (such as those of the processes started in it).
func New(t testing.TB, prefix string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "network namespaces need root")
	}
	testenv.Need(t, "ip")
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := prefix + "-" + hex.EncodeToString(b)
	IP(t, "netns", "add", name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("remove network namespace %s: %v: %s", name, err, out)
		}
	})
	IP(t, "-n", name, "link", "set", "lo", "up")
	return name
}

// IP runs ip(8) with args, failing the test when it fails.
func IP(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// Link joins namespaces a and b with a veth pair named name (at most 15
// bytes) on both sides, with address aAddr (CIDR) in a and bAddr in b;
// the pair goes with the namespaces.
func Link(t testing.TB, name, a, aAddr, b, bAddr string) {
	t.Helper()
	IP(t, "-n", a, "link", "add", name, "type", "veth", "peer", "name", name, "netns", b)
	for _, side := range [][2]string{{a, aAddr}, {b, bAddr}} {
		IP(t, "-n", side[0], "addr", "add", side[1], "dev", name)
		IP(t, "-n", side[0], "link", "set", name, "up")
	}
}

// Command returns a command that runs program with args inside network
// namespace ns; the process is program itself (ip netns exec execs it),
// so its PID is program's.
func Command(ns, program string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, program}, args...)...)
}

// Dial connects to TCP address addr from inside network namespace ns.
func Dial(ns, addr string, timeout time.Duration) (net.Conn, error) {
	type dialed struct {
		conn net.Conn
		err  error
	}
	result := make(chan dialed, 1)
	go func() {
		// The thread enters ns and never leaves it: it ends with this
		// goroutine, as the goroutine exits still locked to it.
		runtime.LockOSThread()
		f, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			result <- dialed{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			result <- dialed{err: fmt.Errorf("enter network namespace %s: %w", ns, err)}
			return
		}
		conn, err := net.DialTimeout("tcp", addr, timeout)
		result <- dialed{conn, err}
	}()
	r := <-result
	return r.conn, r.err
}

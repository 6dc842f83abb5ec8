package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// cleanEnv is the environment of every process the launcher starts in a
// host: nothing of the caller's leaks in.
var cleanEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root",
	"LANG=C.UTF-8",
}

// layers are the overlay directories of a host directory.
type layers struct{ upper, work, root string }

func layersOf(dir string) layers {
	return layers{upper: filepath.Join(dir, "upper"), work: filepath.Join(dir, "work"), root: filepath.Join(dir, "root")}
}

// launchScript makes a private mount namespace's root an overlay of the
// machine's root with the host's files on top, then runs sshd in it.
const launchScript = `set -e
mount -t overlay overlay -o "lowerdir=/,upperdir=$1,workdir=$2" "$3"
for m in /proc /sys /dev; do mount --rbind "$m" "$3$m"; done
cd "$3"
pivot_root . ".$4"
umount -l "$4"
exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config
`

// launch starts the host's sshd in a new mount namespace and waits until
// it accepts connections on addr. A detached sshd outlives the calling
// process; otherwise it is killed when the caller dies.
func launch(dir, addr string, port int, detached bool) (*exec.Cmd, <-chan struct{}, error) {
	if strings.ContainsAny(dir, ",: \t\n") {
		return nil, nil, fmt.Errorf("host directory %q: overlay paths must not contain commas, colons or spaces", dir)
	}
	l := layersOf(dir)
	for _, d := range []string{l.upper, l.work, l.root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	log, err := os.OpenFile(filepath.Join(dir, "sshd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("sshd log: %w", err)
	}
	defer log.Close()
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "/bin/sh", "-c", launchScript,
		"alation-sim-launch", l.upper, l.work, l.root, oldRoot)
	cmd.Env = cleanEnv
	cmd.Stdout, cmd.Stderr = log, log
	if detached {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start sshd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	if err := waitListening(addr, port, done, 20*time.Second); err != nil {
		_ = cmd.Process.Kill()
		<-done
		b, _ := os.ReadFile(filepath.Join(dir, "sshd.log"))
		return nil, nil, fmt.Errorf("sshd on %s: %w: %s", hostPort(addr, port), err, strings.TrimSpace(string(b)))
	}
	return cmd, done, nil
}

// waitListening polls addr:port until it accepts a connection, the
// process ends (done closes) or the timeout passes.
func waitListening(addr string, port int, done <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", hostPort(addr, port), time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case <-done:
			return errors.New("exited before listening")
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening after %s", timeout)
		}
	}
}

// nsCommand returns a command that runs args inside the mount namespace
// of process pid, as root, with a clean environment.
func nsCommand(ctx context.Context, pid int, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", fmt.Sprint(pid), "-m", "--"}, args...)...)
	cmd.Env = cleanEnv
	cmd.Dir = "/"
	return cmd
}

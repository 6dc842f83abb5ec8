package sshdtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/runbookhq/runbook/internal/netnstest"
	"github.com/runbookhq/runbook/internal/testenv"
)

// startTimeout bounds how long sshd may take to accept connections.
const startTimeout = 15 * time.Second

// nextAddress numbers the loopback addresses handed to servers.
var nextAddress atomic.Uint32

// Options shape a server.
type Options struct {
	// MaxSessions is sshd's MaxSessions; zero keeps sshd's default (10).
	MaxSessions int
	// Password allows password authentication (and root login with it).
	Password bool
	// Config holds extra sshd_config lines.
	Config []string
	// TmpfsSize, when positive, runs sshd in a private mount namespace of
	// its own in which a tmpfs of that many bytes is mounted at
	// Server.Tmpfs: a small disk that only the server's sessions see. It
	// needs root and unshare(1).
	TmpfsSize int
	// NoSFTP leaves out the SFTP subsystem, as hardened servers do: a
	// client's request for it fails.
	NoSFTP bool
	// OverlayRoot runs sshd in a private mount namespace whose root is an
	// overlay of the machine's root (with /proc, /sys and /dev bound in):
	// what its sessions write, such as packages that apt installs, goes
	// to Server.Dir/upper and is removed with it, and the machine is left
	// as it was. It needs root, unshare(1) and overlayfs; not with
	// TmpfsSize.
	OverlayRoot bool
	// Netns runs sshd inside that network namespace (see
	// internal/netnstest), listening on the namespace's own loopback:
	// only processes inside it reach the server.
	Netns string
}

// Server is a running sshd.
type Server struct {
	// Host is the loopback address sshd listens on, and Port its port.
	Host string
	Port int
	// HostKey is the server's host key.
	HostKey ssh.PublicKey
	// KnownHosts is a known_hosts file holding the server's host key.
	KnownHosts string
	// ClientKey is authorized for every user.
	ClientKey Key
	// AuthorizedKeys is the authorized_keys file used for every user.
	AuthorizedKeys string
	// Dir holds the server's files.
	Dir string
	// Tmpfs is where the tmpfs of Options.TmpfsSize is mounted, or empty.
	// Only sshd and its sessions see it; the test reaches it through
	// Path.
	Tmpfs string

	opts    Options
	program string
	log     *SyncBuffer

	mu   sync.Mutex
	proc *process // the running sshd; nil once stopped
}

// process is one run of sshd.
type process struct {
	cmd    *exec.Cmd
	exit   chan struct{}
	frozen atomic.Bool // stopped with SIGSTOP, sessions included
}

// Addr returns host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// KnownHostsLine returns the known_hosts line that trusts the server.
func (s *Server) KnownHostsLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize(s.Addr())}, s.HostKey)
}

// SharedDir makes a directory of mode, named after prefix, that users
// other than the test's can reach, unlike t.TempDir's, and removes it
// with what it holds when the test ends.
func SharedDir(t testing.TB, prefix string, mode os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Start starts sshd on a loopback address of its own and stops it when
// the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	sshd := testenv.Need(t, "/usr/sbin/sshd")
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("privilege separation directory: %v", err)
	}
	// Other users must reach the directory: sshd reads authorized_keys as
	// the user logging in.
	dir := SharedDir(t, "sshdtest-", 0o755)
	s := &Server{Dir: dir, AuthorizedKeys: filepath.Join(dir, "authorized_keys"), KnownHosts: filepath.Join(dir, "known_hosts"),
		opts: opts, program: sshd, log: &SyncBuffer{}}
	if opts.OverlayRoot {
		testenv.Need(t, "unshare")
	}
	if opts.TmpfsSize > 0 {
		testenv.Need(t, "unshare")
		s.Tmpfs = filepath.Join(dir, "tmpfs")
		if err := os.Mkdir(s.Tmpfs, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hostKey := NewKey(t, filepath.Join(dir, "host_ed25519"), "")
	s.HostKey = hostKey.Signer.PublicKey()
	s.ClientKey = NewKey(t, filepath.Join(dir, "client_ed25519"), "")
	if err := os.WriteFile(s.AuthorizedKeys, []byte(s.ClientKey.AuthorizedKey), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Host = fmt.Sprintf("127.0.3.%d", 1+nextAddress.Add(1)%250)
	var err error
	for range 3 {
		if err = s.start(true); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("sshd %s log:\n%s", s.Addr(), s.log.String())
		}
	})
	if err := os.WriteFile(s.KnownHosts, []byte(s.KnownHostsLine()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// start runs sshd until it accepts connections, first writing its
// configuration for a free port when newPort is set.
func (s *Server) start(newPort bool) error {
	config := filepath.Join(s.Dir, "sshd_config")
	if newPort {
		port, err := freePort(s.Host)
		if err != nil {
			return err
		}
		s.Port = port
		if err := os.WriteFile(config, []byte(s.config(s.opts)), 0o644); err != nil {
			return err
		}
	}
	cmd := exec.Command(s.program, "-D", "-e", "-f", config)
	if s.opts.OverlayRoot {
		cmd = s.overlayCommand(config)
	}
	if s.Tmpfs != "" {
		cmd = exec.Command("unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
			`mount -t tmpfs -o "size=$1,mode=0755" runbook-test "$2" && exec "$3" -D -e -f "$4"`,
			"sshdtest", strconv.Itoa(s.opts.TmpfsSize), s.Tmpfs, s.program, config)
	}
	if s.opts.Netns != "" {
		cmd = netnstest.Command(s.opts.Netns, cmd.Path, cmd.Args[1:]...)
	}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start sshd: %w", err)
	}
	p := &process{cmd: cmd, exit: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exit)
	}()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.exit:
			return fmt.Errorf("sshd on %s exited: %s", s.Addr(), s.log.String())
		default:
		}
		if conn, err := s.dial(); err == nil {
			conn.Close()
			s.mu.Lock()
			s.proc = p
			s.mu.Unlock()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.stop()
	return fmt.Errorf("sshd on %s did not accept connections: %s", s.Addr(), s.log.String())
}

// dial connects to the server, from inside its network namespace when
// it has one.
func (s *Server) dial() (net.Conn, error) {
	if s.opts.Netns != "" {
		return netnstest.Dial(s.opts.Netns, s.Addr(), time.Second)
	}
	return net.DialTimeout("tcp", s.Addr(), time.Second)
}

// overlayScript mounts an overlay of the machine's root on $3 (upper
// layer $1, work directory $2), binds /proc, /sys and /dev into it, and
// runs sshd ($4, with the configuration $5) chrooted in it.
const overlayScript = `set -e
mount -t overlay runbook-test -o "lowerdir=/,upperdir=$1,workdir=$2" "$3"
for m in /proc /sys /dev; do mount --rbind "$m" "$3$m"; done
exec chroot "$3" "$4" -D -e -f "$5"`

// overlayCommand returns the command that runs sshd, with config, in a
// private mount namespace whose root is an overlay (see
// Options.OverlayRoot); it makes the overlay's directories.
func (s *Server) overlayCommand(config string) *exec.Cmd {
	upper, work, root := filepath.Join(s.Dir, "upper"), filepath.Join(s.Dir, "work"), filepath.Join(s.Dir, "root")
	for _, d := range []string{upper, work, root} {
		_ = os.MkdirAll(d, 0o755) // a failure shows as sshd's
	}
	return exec.Command("unshare", "-m", "--propagation", "private", "/bin/sh", "-c", overlayScript,
		"sshdtest", upper, work, root, s.program, config)
}

// config returns the sshd_config text.
func (s *Server) config(opts Options) string {
	login, password := "prohibit-password", "no"
	if opts.Password {
		login, password = "yes", "yes"
	}
	lines := []string{
		"ListenAddress " + s.Addr(),
		"HostKey " + filepath.Join(s.Dir, "host_ed25519"),
		"PidFile none",
		"AuthorizedKeysFile " + s.AuthorizedKeys,
		"StrictModes no",
		"UsePAM no",
		"PermitRootLogin " + login,
		"PasswordAuthentication " + password,
		"KbdInteractiveAuthentication no",
		"PrintMotd no",
	}
	if !opts.NoSFTP {
		lines = append(lines, "Subsystem sftp internal-sftp")
	}
	if opts.MaxSessions > 0 {
		lines = append(lines, fmt.Sprintf("MaxSessions %d", opts.MaxSessions))
	}
	// sshd takes the first value of most keywords, but the last of
	// MaxStartups: this default goes first so that Config can change it.
	lines = append(append([]string{"MaxStartups 200:30:400"}, opts.Config...), lines...)
	return strings.Join(lines, "\n") + "\n"
}

// Log returns what sshd has logged so far.
func (s *Server) Log() string { return s.log.String() }

// Stop ends sshd (sessions already open keep their own processes until
// their clients leave, unless the server was frozen). Stopping a stopped
// server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		p.stop()
	}
}

// Restart starts sshd again, after Stop or Crash, on the same address and
// port with the same keys (and, with Options.TmpfsSize, a new empty
// tmpfs). It fails the test when sshd does not come back.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := s.start(false); err != nil {
		t.Fatal(err)
	}
}

// PID returns the process id of the running sshd listener, or 0 once it
// is stopped.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// Path returns the name under which the test sees path as sshd and its
// sessions see it, through /proc/PID/root: the way into a tmpfs that
// only their mount namespace holds. It is path itself when sshd is not
// running.
func (s *Server) Path(path string) string {
	pid := s.PID()
	if pid == 0 {
		return path
	}
	return filepath.Join("/proc", strconv.Itoa(pid), "root", path)
}

// stop sends sshd SIGTERM, then SIGKILL if it lingers, and waits for it
// to exit. A frozen sshd is killed with its sessions.
func (p *process) stop() {
	if p.frozen.Load() {
		_ = p.kill()
		return
	}
	Terminate(p.cmd.Process, p.exit, 5*time.Second)
}

// Terminate ends process proc, whose exit closes exited: SIGTERM, then
// SIGKILL when it has not exited after grace.
func Terminate(proc *os.Process, exited <-chan struct{}, grace time.Duration) {
	_ = proc.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = proc.Kill()
		<-exited
	}
}

// freePort returns a TCP port that was free on host a moment ago.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// SyncBuffer is a bytes.Buffer safe for concurrent use, for collecting the
// output of a process while a test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

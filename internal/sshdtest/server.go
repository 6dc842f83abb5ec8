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

	cmd  *exec.Cmd
	log  *syncBuffer
	exit chan struct{}
	once sync.Once
}

// Addr returns host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// KnownHostsLine returns the known_hosts line that trusts the server.
func (s *Server) KnownHostsLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize(s.Addr())}, s.HostKey)
}

// Start starts sshd on a loopback address of its own and stops it when
// the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	sshd := need(t, "/usr/sbin/sshd")
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("privilege separation directory: %v", err)
	}
	// Not t.TempDir: other users (sshd reads authorized_keys as the user
	// logging in) must be able to reach the directory.
	dir, err := os.MkdirTemp("", "sshdtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{Dir: dir, AuthorizedKeys: filepath.Join(dir, "authorized_keys"), KnownHosts: filepath.Join(dir, "known_hosts")}
	hostKey := NewKey(t, filepath.Join(dir, "host_ed25519"), "")
	s.HostKey = hostKey.Signer.PublicKey()
	s.ClientKey = NewKey(t, filepath.Join(dir, "client_ed25519"), "")
	if err := os.WriteFile(s.AuthorizedKeys, []byte(s.ClientKey.AuthorizedKey), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Host = fmt.Sprintf("127.0.3.%d", 1+nextAddress.Add(1)%250)
	for range 3 {
		if err = s.start(sshd, opts); err == nil {
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

// start writes the configuration for a free port and runs sshd until it
// accepts connections.
func (s *Server) start(sshd string, opts Options) error {
	port, err := freePort(s.Host)
	if err != nil {
		return err
	}
	s.Port = port
	config := filepath.Join(s.Dir, "sshd_config")
	if err := os.WriteFile(config, []byte(s.config(opts)), 0o644); err != nil {
		return err
	}
	s.log = &syncBuffer{}
	s.cmd = exec.Command(sshd, "-D", "-e", "-f", config)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start sshd: %w", err)
	}
	s.exit = make(chan struct{})
	go func() {
		_ = s.cmd.Wait()
		close(s.exit)
	}()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exit:
			return fmt.Errorf("sshd on %s exited: %s", s.Addr(), s.log.String())
		default:
		}
		if conn, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
			conn.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stopProcess()
	return fmt.Errorf("sshd on %s did not accept connections: %s", s.Addr(), s.log.String())
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
		"MaxStartups 200:30:400",
		"Subsystem sftp internal-sftp",
	}
	if opts.MaxSessions > 0 {
		lines = append(lines, fmt.Sprintf("MaxSessions %d", opts.MaxSessions))
	}
	return strings.Join(append(opts.Config, lines...), "\n") + "\n"
}

// Log returns what sshd has logged so far.
func (s *Server) Log() string { return s.log.String() }

// Stop ends sshd (sessions already open keep their own processes until
// their clients leave).
func (s *Server) Stop() { s.once.Do(s.stopProcess) }

// stopProcess sends sshd SIGTERM, then SIGKILL if it lingers, and waits
// for it to exit.
func (s *Server) stopProcess() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exit:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exit
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

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

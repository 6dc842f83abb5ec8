package sshtransport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"github.com/runbookhq/runbook/engine/transport"
	"golang.org/x/crypto/ssh"
)

// conn is one SSH connection to the host and what rides on it.
type conn struct {
	client   *ssh.Client
	hops     []*ssh.Client
	dead     chan struct{}
	deadOnce sync.Once
	// hostKey is the target's host key as verified, nil when host key
	// checking is off.
	hostKey ssh.PublicKey

	sftpMu sync.Mutex
	sftp   *sftp.Client
	noSFTP bool // the server refused the SFTP subsystem
}

// newConn watches client, which newClient made, without a goroutine of
// its own (and its keepalives when interval > 0).
func newConn(client *ssh.Client, hops []*ssh.Client, interval time.Duration) *conn {
	c := &conn{client: client, hops: hops, dead: make(chan struct{})}
	context.AfterFunc(ended(client), c.close)
	if interval > 0 {
		c.keepAliveEvery(interval)
	}
	return c
}

// alive reports whether the connection is still believed to work.
func (c *conn) alive() bool {
	select {
	case <-c.dead:
		return false
	default:
		return true
	}
}

// close closes the connection and marks it dead.
func (c *conn) close() {
	c.deadOnce.Do(func() {
		close(c.dead)
		c.client.Close()
		closeAll(c.hops)
		c.sftpMu.Lock()
		if c.sftp != nil {
			c.sftp.Close()
		}
		c.sftpMu.Unlock()
	})
}

// keepAliveEvery sends a keepalive request every interval and closes the
// connection when one is not answered within the interval. No goroutine
// waits between keepalives: a timer starts each one, so that an idle
// connection costs a timer rather than a goroutine's stack, which adds up
// over thousands of hosts.
func (c *conn) keepAliveEvery(interval time.Duration) {
	var probe func()
	probe = func() {
		if !c.alive() {
			return
		}
		answered := make(chan struct{})
		late := time.AfterFunc(interval, func() {
			select {
			case <-answered:
			default:
				c.close()
			}
		})
		_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
		close(answered)
		late.Stop()
		if err != nil {
			c.close()
			return
		}
		time.AfterFunc(interval, probe)
	}
	time.AfterFunc(interval, probe)
}

// errNoSFTP means the server refused the SFTP subsystem: it has none,
// as hardened servers often do. Files then travel over exec sessions.
var errNoSFTP = errors.New("the server has no SFTP subsystem")

// sftpClient returns the connection's SFTP client, opening it on first
// use. When the server refuses the subsystem it returns errNoSFTP, then
// and on every later call, without asking again.
func (c *conn) sftpClient() (*sftp.Client, error) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	switch {
	case c.sftp != nil:
		return c.sftp, nil
	case c.noSFTP:
		return nil, errNoSFTP
	}
	client, err := c.openSFTP()
	if errors.Is(err, errNoSFTP) {
		c.noSFTP = true
	}
	if err != nil {
		return nil, err
	}
	c.sftp = client
	return client, nil
}

// openSFTP starts the SFTP subsystem in a new session. A refused request
// on a connection that still answers is errNoSFTP, and so is a subsystem
// that answers with something else than SFTP: a login shell that starts
// the server (an external sftp-server) and prints a banner first garbles
// the stream, while commands, whose output is told from the banner (see
// shell.Handshake.Line), still work. On failure the session is closed,
// so that it holds none of the server's session slots.
func (c *conn) openSFTP() (*sftp.Client, error) {
	sess, err := c.client.NewSession()
	if err != nil {
		return nil, err
	}
	w, r, err := sftpPipes(sess)
	if err == nil {
		if err = sess.RequestSubsystem("sftp"); err != nil && !c.broken() {
			err = fmt.Errorf("%w (%v)", errNoSFTP, err)
		}
	}
	var client *sftp.Client
	if err == nil {
		first := &firstBytes{r: r}
		client, err = sftp.NewClientPipe(first, w)
		if err != nil && !c.broken() && len(first.kept) > 0 {
			err = fmt.Errorf("%w: %w (the SFTP client: %v)", errNoSFTP, transport.UnexpectedAnswer("the version of its SFTP server", first.kept), err)
		}
	}
	if err != nil {
		sess.Close()
		return nil, err
	}
	return client, nil
}

// firstBytes reads from r and keeps the first bytes read, up to
// maxFirstBytes, so that an SFTP handshake that fails can say what the
// server sent instead: usually a login shell's banner, which the
// subsystem's output starts with when the login shell starts it.
type firstBytes struct {
	r    io.Reader
	kept []byte
}

// maxFirstBytes bounds what firstBytes keeps.
const maxFirstBytes = 64

func (f *firstBytes) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if room := maxFirstBytes - len(f.kept); room > 0 {
		f.kept = append(f.kept, p[:min(n, room)]...)
	}
	return n, err
}

// sftpPipes returns the standard input and output of sess, and drops
// what the server writes to its standard error.
func sftpPipes(sess *ssh.Session) (io.WriteCloser, io.Reader, error) {
	w, err := sess.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	stderr, err := sess.StderrPipe()
	if err != nil {
		return nil, nil, err
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	return w, r, nil
}

// broken reports whether the connection is gone, asking the server when
// it is not known to be: a session that failed to start tells no more.
// A broken connection is closed.
func (c *conn) broken() bool {
	if !c.alive() {
		return true
	}
	if _, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil); err != nil {
		c.close()
		return true
	}
	return false
}

package sshtransport

import (
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// conn is one SSH connection to the host and what rides on it.
type conn struct {
	client   *ssh.Client
	hops     []*ssh.Client
	dead     chan struct{}
	deadOnce sync.Once

	sftpMu sync.Mutex
	sftp   *sftp.Client
}

// newConn watches client (and its keepalives when interval > 0).
func newConn(client *ssh.Client, hops []*ssh.Client, interval time.Duration) *conn {
	c := &conn{client: client, hops: hops, dead: make(chan struct{})}
	go func() {
		_ = client.Wait()
		c.close()
	}()
	if interval > 0 {
		go c.keepAlive(interval)
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

// keepAlive sends a keepalive request every interval and closes the
// connection when one is not answered within the interval.
func (c *conn) keepAlive(interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-c.dead:
			return
		case <-ticker.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case err := <-reply:
			if err != nil {
				c.close()
				return
			}
		case <-time.After(interval):
			c.close()
			return
		case <-c.dead:
			return
		}
	}
}

// sftpClient returns the connection's SFTP client, opening it on first
// use.
func (c *conn) sftpClient() (*sftp.Client, error) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.sftp != nil {
		return c.sftp, nil
	}
	client, err := sftp.NewClient(c.client)
	if err != nil {
		return nil, err
	}
	c.sftp = client
	return client, nil
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

package sshtransport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/crypto/ssh"
)

// errStartupRefused marks a connection the server closed before it sent
// anything, not even its version: what OpenSSH does with a connection
// beyond its MaxStartups, and what a retry may get past.
var errStartupRefused = errors.New("closed before its banner, with too many connections being set up (its MaxStartups)")

// dialEndpoint runs dialEndpointOnce through the run's dial gate
// (Config.Dials), which bounds the set-ups at once and tries again those
// the server refused before its banner.
func (h *host) dialEndpoint(ctx context.Context, via *ssh.Client, e endpoint) (*ssh.Client, ssh.PublicKey, error) {
	var c *ssh.Client
	var key ssh.PublicKey
	err := h.cfg.Dials.Do(ctx, func() error {
		var err error
		c, key, err = h.dialEndpointOnce(ctx, via, e)
		return err
	}, func(err error) bool { return errors.Is(err, errStartupRefused) })
	return c, key, err
}

// silentConn is a connection that knows whether the server sent its
// version (its banner). OpenSSH refuses a connection beyond MaxStartups
// by closing it, at most after a line of text. Once the banner is seen,
// reads pass straight through.
type silentConn struct {
	net.Conn
	banner atomic.Bool
	mu     sync.Mutex
	first  []byte // the first bytes read, up to bannerWindow, until the banner
}

// bannerWindow is how much of what the server sends first is looked at
// for its version.
const bannerWindow = 512

func (c *silentConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.banner.Load() {
		c.mu.Lock()
		if room := bannerWindow - len(c.first); room > 0 {
			c.first = append(c.first, p[:min(n, room)]...)
			if bytes.HasPrefix(c.first, []byte("SSH-")) || bytes.Contains(c.first, []byte("\nSSH-")) {
				c.banner.Store(true)
				c.first = nil
			}
		}
		c.mu.Unlock()
	}
	return n, err
}

// refusal returns err, the handshake's error, marked with
// errStartupRefused when the server closed or reset the connection
// before it sent its version.
func (c *silentConn) refusal(err error) error {
	if !c.banner.Load() && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
		return fmt.Errorf("%w: %w", errStartupRefused, err)
	}
	return err
}

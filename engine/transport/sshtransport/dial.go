package sshtransport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"golang.org/x/crypto/ssh"
)

// dialRoute connects to r's target through its hops, each a full SSH
// connection carried by the one before it. It returns the target's host
// key as the checker accepted it (nil when checking is off).
func (h *host) dialRoute(ctx context.Context, r route) (*ssh.Client, []*ssh.Client, ssh.PublicKey, error) {
	var via *ssh.Client
	var hops []*ssh.Client
	var key ssh.PublicKey
	for i, e := range append(r.hops, r.target) {
		c, accepted, err := h.dialEndpoint(ctx, via, e)
		if err != nil {
			closeAll(hops)
			if i < len(r.hops) {
				return nil, nil, nil, fmt.Errorf("jump host %s: %w", e.alias, err)
			}
			return nil, nil, nil, err
		}
		if i < len(r.hops) {
			hops = append(hops, c)
		}
		via, key = c, accepted
	}
	return via, hops, key, nil
}

// dialEndpointOnce opens the TCP connection to e (directly, or through via
// with direct-tcpip) and runs the SSH handshake and authentication, each
// bounded by e's connect timeout. It returns the host key the checker
// accepted, nil when checking is off.
func (h *host) dialEndpointOnce(ctx context.Context, via *ssh.Client, e endpoint) (*ssh.Client, ssh.PublicKey, error) {
	checker, err := newHostKeyChecker(e, h.cfg.HostKeyChecking, h.warnOnce(e.alias))
	if err != nil {
		return nil, nil, err
	}
	dialCtx, cancel := context.WithTimeout(ctx, e.connectTimeout)
	defer cancel()
	var conn net.Conn
	if via == nil {
		conn, err = (&net.Dialer{}).DialContext(dialCtx, "tcp", e.addr())
	} else {
		conn, err = via.DialContext(dialCtx, "tcp", e.addr())
	}
	if err != nil {
		return nil, nil, connectError(e.addr(), err)
	}
	silent := &silentConn{Conn: conn}
	conn = silent
	timer := newHandshakeTimer(conn, e.connectTimeout)
	stopCancel := context.AfterFunc(ctx, func() { conn.Close() })
	defer stopCancel()
	auth, agentConn, err := authMethods(&h.cfg, e, timer.pause, timer.resume)
	if err != nil {
		timer.stop()
		conn.Close()
		return nil, nil, err
	}
	defer agentConn.Close()
	config := &ssh.ClientConfig{
		User:              e.user,
		Auth:              auth,
		HostKeyCallback:   checker.check,
		HostKeyAlgorithms: checker.algorithms(),
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, e.addr(), config)
	fired := timer.stop()
	if err != nil {
		conn.Close()
		switch {
		case fired:
			return nil, nil, fmt.Errorf("ssh handshake with %s did not finish within %s", e.addr(), e.connectTimeout)
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		}
		return nil, nil, handshakeError(e.user+"@"+e.addr(), silent.refusal(err))
	}
	return newClient(c, chans, reqs), checker.accepted, nil
}

// connectError is the error of a TCP connection to addr that could not be
// made. A *net.OpError says the operation and the address again ("dial
// tcp ADDR: connect: connection refused"): only its cause is kept.
func connectError(addr string, err error) error {
	why := err.Error()
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		why = op.Err.Error()
		var sys *os.SyscallError
		if errors.As(op.Err, &sys) {
			why = sys.Err.Error()
		}
	}
	return transport.Reworded("connect to "+addr+": "+why, err)
}

// handshakeError is the error of an SSH handshake or authentication
// with to (user@address) that failed, without the "ssh: " the library
// starts its errors with, once for the handshake and once for its cause.
func handshakeError(to string, err error) error {
	parts := strings.Split(err.Error(), ": ")
	parts = slices.DeleteFunc(parts, func(p string) bool { return p == "ssh" })
	return transport.Reworded("ssh to "+to+": "+strings.Join(parts, ": "), err)
}

// newClient returns a client on c, as ssh.NewClient does, but with one
// goroutine serving what the server asks of it rather than three: a
// runbook client serves nothing to a server (no port forwarding, no agent
// forwarding), so every global request the server sends is answered
// "no", as OpenSSH's client answers unknown ones, and every channel it
// opens is rejected, until the connection ends. That goroutine also
// tells when the connection has ended (see endedConn), so that no other
// waits for it. Each goroutine holds a stack of a few KB, which adds up
// over thousands of hosts.
func newClient(c ssh.Conn, chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) *ssh.Client {
	done, end := context.WithCancel(context.Background())
	go func() {
		refuseServer(chans, reqs)
		end()
	}()
	return &ssh.Client{Conn: &endedConn{Conn: c, ended: done}}
}

// endedConn is the connection of a client from newClient: its ended
// context is done once the connection has ended.
type endedConn struct {
	ssh.Conn
	ended context.Context
}

// ended returns the context that is done once the connection of client,
// which newClient made, has ended.
func ended(client *ssh.Client) context.Context {
	return client.Conn.(*endedConn).ended
}

// refuseServer answers "no" to every request on reqs and rejects every
// channel on chans until both are closed, which the connection does as
// it ends.
func refuseServer(chans <-chan ssh.NewChannel, reqs <-chan *ssh.Request) {
	for chans != nil || reqs != nil {
		select {
		case ch, ok := <-chans:
			if !ok {
				chans = nil
				continue
			}
			_ = ch.Reject(ssh.UnknownChannelType, "unknown channel type: "+ch.ChannelType())
		case r, ok := <-reqs:
			if !ok {
				reqs = nil
				continue
			}
			_ = r.Reply(false, nil)
		}
	}
}

// handshakeTimer closes a connection whose handshake runs past its
// timeout. It can be paused while the operator is asked for a passphrase.
type handshakeTimer struct {
	mu      sync.Mutex
	timer   *time.Timer
	timeout time.Duration
	fired   atomic.Bool
	stopped bool
}

// newHandshakeTimer starts the timer for conn.
func newHandshakeTimer(conn net.Conn, timeout time.Duration) *handshakeTimer {
	t := &handshakeTimer{timeout: timeout}
	t.timer = time.AfterFunc(timeout, func() {
		t.fired.Store(true)
		conn.Close()
	})
	return t
}

// pause stops the clock.
func (t *handshakeTimer) pause() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.timer.Stop()
}

// resume restarts the clock with the whole timeout.
func (t *handshakeTimer) resume() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped && !t.fired.Load() {
		t.timer.Reset(t.timeout)
	}
}

// stop ends the timer and reports whether it had fired.
func (t *handshakeTimer) stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	t.timer.Stop()
	return t.fired.Load()
}

// closeAll closes clients, the innermost first.
func closeAll(clients []*ssh.Client) {
	for i := len(clients) - 1; i >= 0; i-- {
		clients[i].Close()
	}
}

// isOpenRefusal reports whether err is the server refusing to open a
// channel, as opposed to the connection failing.
func isOpenRefusal(err error) bool {
	var open *ssh.OpenChannelError
	return errors.As(err, &open)
}

// isSlotRefusal reports whether err is OpenSSH refusing a session because
// all of its MaxSessions slots are taken, which it says with "connect
// failed".
func isSlotRefusal(err error) bool {
	var open *ssh.OpenChannelError
	return errors.As(err, &open) && open.Reason == ssh.ConnectionFailed
}

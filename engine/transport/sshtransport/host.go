package sshtransport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/runbookhq/runbook/engine/transport"
)

// host is a transport.Host over SSH. It connects on first use and keeps
// one connection for its whole life, opening it again once when it was
// lost between calls.
type host struct {
	cfg  Config
	sem  chan struct{} // bounds sessions that run commands
	kill chan struct{} // one session at a time that ends cancelled commands

	pairMu   sync.Mutex  // held while taking two session slots
	tty      atomic.Bool // sudo on the host runs only on a terminal
	noHelper atomic.Bool // no persistent helper can run on the host

	dialMu  sync.Mutex // held while dialling
	mu      sync.Mutex // guards the fields below
	cur     *conn
	closed  bool
	dials   int   // dial attempts made
	lastErr error // error of the last dial attempt
	warned  map[string]bool
	noSFTP  sync.Once // said that the host has no SFTP subsystem

	pool *helperPool // the persistent helpers
}

var (
	_ transport.Host      = (*host)(nil)
	_ transport.HostKeyer = (*host)(nil)
)

// New returns a Host reaching the machine cfg describes. It does not
// connect: the first call does.
func New(cfg Config) (transport.Host, error) {
	if cfg.Address == "" {
		return nil, errors.New("ssh: no address")
	}
	if cfg.MaxSessions < 0 || cfg.ConnectTimeout < 0 {
		return nil, fmt.Errorf("ssh %s: MaxSessions and ConnectTimeout must not be negative", cfg.name())
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = SessionMode
	case SessionMode, PersistentMode:
	default:
		return nil, fmt.Errorf("ssh %s: unknown mode %q (want %s or %s)", cfg.name(), cfg.Mode, SessionMode, PersistentMode)
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	h := &host{
		cfg:    cfg,
		sem:    make(chan struct{}, cfg.MaxSessions),
		kill:   make(chan struct{}, 1),
		warned: map[string]bool{},
	}
	h.pool = newHelperPool(cfg.MaxSessions, h.startHelper, h.errorf)
	return h, nil
}

// connect returns the live connection, dialling it when there is none or
// the last one broke. Callers that waited while another call dialled and
// failed get that failure instead of dialling again.
func (h *host) connect(ctx context.Context) (*conn, error) {
	h.mu.Lock()
	if c := h.cur; c != nil && c.alive() && !h.closed {
		h.mu.Unlock()
		return c, nil
	}
	seen := h.dials
	h.mu.Unlock()
	h.dialMu.Lock()
	defer h.dialMu.Unlock()
	h.mu.Lock()
	switch {
	case h.closed:
		h.mu.Unlock()
		return nil, h.errorf("%w", transport.ErrClosed)
	case h.cur != nil && h.cur.alive():
		c := h.cur
		h.mu.Unlock()
		return c, nil
	case h.dials != seen && h.lastErr != nil:
		err := h.lastErr
		h.mu.Unlock()
		return nil, err
	}
	h.mu.Unlock()
	c, err := h.dial(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dials++
	h.lastErr = err
	if err != nil {
		if ctx.Err() != nil {
			h.lastErr = nil // this caller's cancellation is not the host's failure
		}
		return nil, err
	}
	if h.closed {
		c.close()
		return nil, h.errorf("%w", transport.ErrClosed)
	}
	h.cur = c
	return c, nil
}

// dial resolves the route and opens the connection.
func (h *host) dial(ctx context.Context) (*conn, error) {
	r, err := resolve(&h.cfg)
	if err != nil {
		return nil, h.errorf("%w: %w", transport.ErrUnreachable, err)
	}
	client, hops, key, err := h.dialRoute(ctx, r)
	if err != nil {
		if ctx.Err() != nil {
			return nil, h.errorf("connect: %w", ctx.Err())
		}
		return nil, h.errorf("%w: %w", transport.ErrUnreachable, err)
	}
	c := newConn(client, hops, r.keepAlive)
	c.hostKey = key
	return c, nil
}

// Close closes the connection and the persistent helpers, and fails the
// commands waiting for one. Calls after Close fail with ErrClosed.
func (h *host) Close() error {
	h.pool.close()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.cur != nil {
		h.cur.close()
		h.cur = nil
	}
	return nil
}

// warnOnce returns a function passing a warning about endpoint alias to
// Config.Warn the first time only.
func (h *host) warnOnce(alias string) func(string) {
	return func(msg string) {
		h.mu.Lock()
		first := !h.warned[alias]
		h.warned[alias] = true
		h.mu.Unlock()
		if first && h.cfg.Warn != nil {
			h.cfg.Warn(msg)
		}
	}
}

// errorf formats an error naming the host.
func (h *host) errorf(format string, args ...any) error {
	return fmt.Errorf("ssh %s: "+format, append([]any{h.cfg.name()}, args...)...)
}

// HostKey returns the host key the connection verified, connecting first
// when needed; with host key checking off it fails with
// transport.ErrHostKeyUnverified.
func (h *host) HostKey(ctx context.Context) ([]byte, error) {
	c, err := h.connect(ctx)
	if err != nil {
		return nil, err
	}
	if c.hostKey == nil {
		return nil, h.errorf("%w: host key checking is off", transport.ErrHostKeyUnverified)
	}
	return c.hostKey.Marshal(), nil
}

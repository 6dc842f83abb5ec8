package exec

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/transport"
)

// conns holds the transport of each host of a run, connected when first
// needed, and whether the host proved unreachable.
type conns struct {
	hosts   []*compile.Host // by index
	connect func(config.HostConfig) (transport.Host, error)
	emit    func(Event)
	secrets *lang.Redactor
	conns   []*conn // by host index
}

// conn is the connection to one host.
type conn struct {
	once        sync.Once
	h           transport.Host
	err         error
	unreachable atomic.Bool
	reported    sync.Once
}

// newConns prepares the connections to hosts: connect is
// RunOptions.Connect, and emit sends the host events, redacted by secrets.
func newConns(hosts []*compile.Host, connect func(config.HostConfig) (transport.Host, error), emit func(Event), secrets *lang.Redactor) *conns {
	c := &conns{hosts: hosts, connect: connect, emit: emit, secrets: secrets, conns: make([]*conn, len(hosts))}
	for i := range c.conns {
		c.conns[i] = &conn{}
	}
	return c
}

// get returns the transport of h, connecting on first use: the local host
// through transport.NewLocal, any other through RunOptions.Connect, whose
// HostConfig warns through c.warn.
func (c *conns) get(h *compile.Host) (transport.Host, error) {
	cn := c.conns[h.Index()]
	cn.once.Do(func() {
		switch {
		case h.Builtin():
			cn.h = transport.NewLocal()
		case c.connect == nil:
			cn.err = errors.New("no transport: RunOptions.Connect is not set")
		default:
			cfg := h.Config()
			cfg.Warn = func(msg string) { c.warn(h, msg) }
			cn.h, cn.err = c.connect(cfg)
		}
		if cn.err != nil {
			cn.err = fmt.Errorf("connect to host %s: %w", h.Name(), cn.err)
			c.check(h, cn.err)
		}
	})
	return cn.h, cn.err
}

// check marks h unreachable when err says so, and reports it once.
func (c *conns) check(h *compile.Host, err error) {
	if !errors.Is(err, transport.ErrUnreachable) {
		return
	}
	cn := c.conns[h.Index()]
	cn.unreachable.Store(true)
	cn.reported.Do(func() {
		why := err
		if reason, ok := unreachableReason(err); ok {
			why = reason
		}
		c.emit(Event{Kind: EventHostUnreachable, Host: h.Name(), Error: c.secrets.Redact(why.Error())})
	})
}

// warn emits a warning about h, redacted.
func (c *conns) warn(h *compile.Host, msg string) {
	c.emit(Event{Kind: EventHostWarning, Host: h.Name(), Line: c.secrets.Redact(msg)})
}

// unreachable reports whether h proved unreachable.
func (c *conns) unreachable(h *compile.Host) bool { return c.conns[h.Index()].unreachable.Load() }

// unreachableOf returns the first host inst holds that proved
// unreachable: its own, else a peer; nil when none did.
func (c *conns) unreachableOf(inst *compile.Instance) *compile.Host {
	if c.unreachable(inst.Host()) {
		return inst.Host()
	}
	for _, h := range inst.Peers() {
		if c.unreachable(h) {
			return h
		}
	}
	return nil
}

// closeAll closes every connection that was made, in host order.
func (c *conns) closeAll() error {
	var errs []error
	for i, cn := range c.conns {
		if cn.h != nil {
			if err := cn.h.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close host %s: %w", c.hosts[i].Name(), err))
			}
		}
	}
	return errors.Join(errs...)
}

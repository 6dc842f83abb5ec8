package sshtransport

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
	"golang.org/x/crypto/ssh/knownhosts"
)

// proxy forwards TCP connections to an sshd and can break them the ways a
// network does: cut (reset) or frozen (silent).
type proxy struct {
	l        net.Listener
	target   string
	accepted atomic.Int32
	mu       sync.Mutex
	links    []*link

	// A connection whose client has sent more than limit bytes (when
	// limit is positive) is cut before the write that passes it is
	// forwarded, limitCuts more times (every time when negative).
	limit     atomic.Int64
	limitCuts atomic.Int32
}

// link is one forwarded connection.
type link struct {
	p              *proxy
	client, server net.Conn
	frozen         atomic.Bool
	sent           atomic.Int64 // bytes the client has sent
}

// startProxy forwards a loopback port to srv, until the test ends.
func startProxy(t *testing.T, srv *sshdtest.Server) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, target: srv.Addr()}
	t.Cleanup(func() {
		l.Close()
		p.cut()
	})
	go p.serve()
	return p
}

// proxiedHost starts an sshd and a proxy to it, and returns the proxy and
// a Host reaching the sshd through it.
func proxiedHost(t *testing.T) (*proxy, transport.Host) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	p := startProxy(t, srv)
	return p, newHost(t, p.config(t, srv))
}

// config returns a Config reaching srv through the proxy.
func (p *proxy) config(t *testing.T, srv *sshdtest.Server) Config {
	cfg := testConfig(srv)
	addr := p.l.Addr().(*net.TCPAddr)
	cfg.Address, cfg.Port = addr.IP.String(), addr.Port
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
	line := knownhosts.Line([]string{knownhosts.Normalize(p.l.Addr().String())}, srv.HostKey)
	if err := os.WriteFile(cfg.KnownHostsFiles[0], []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func (p *proxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		lk := &link{p: p, client: c, server: s}
		p.mu.Lock()
		p.links = append(p.links, lk)
		p.mu.Unlock()
		go lk.pump(c, s)
		go lk.pump(s, c)
	}
}

// pump copies from src to dst, holding data back while the link is frozen.
func (lk *link) pump(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for lk.frozen.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		if n > 0 && src == lk.client && lk.overLimit(n) {
			lk.client.Close()
			lk.server.Close()
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				dst.Close()
			}
			return
		}
	}
}

// overLimit counts n more bytes from the client and reports whether the
// connection must be cut for passing the proxy's limit.
func (lk *link) overLimit(n int) bool {
	limit := lk.p.limit.Load()
	if lk.sent.Add(int64(n)) <= limit || limit <= 0 {
		return false
	}
	for {
		left := lk.p.limitCuts.Load()
		switch {
		case left < 0:
			return true
		case left == 0:
			return false
		case lk.p.limitCuts.CompareAndSwap(left, left-1):
			return true
		}
	}
}

// cutAbove makes the proxy cut the next times connections whose client
// sends more than limit bytes, before it forwards the write that passes
// the limit (every such connection when times is negative).
func (p *proxy) cutAbove(limit int64, times int32) {
	p.limitCuts.Store(times)
	p.limit.Store(limit)
}

// cut closes every forwarded connection.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, lk := range p.links {
		lk.frozen.Store(false)
		lk.client.Close()
		lk.server.Close()
	}
	p.links = nil
}

// freeze stops forwarding on the open connections, leaving them open.
func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, lk := range p.links {
		lk.frozen.Store(true)
	}
}

// killMarked kills, when the test ends, the processes left by sleep
// commands given marker as their duration: a lost connection leaves its
// command running on the host.
func killMarked(t *testing.T, marker string) {
	t.Cleanup(func() {
		dirs, _ := filepath.Glob("/proc/[0-9]*")
		for _, dir := range dirs {
			cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
			if err != nil || string(cmdline) != "sleep\x00"+marker+"\x00" {
				continue
			}
			if pid, err := strconv.Atoi(filepath.Base(dir)); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

// sleepScript prints "started" and then sleeps for marker seconds.
func sleepScript(marker string) string {
	return "echo started; exec sleep " + marker
}

// onStarted returns an OnLine function calling f when "started" appears.
func onStarted(f func()) func(transport.Stream, string) {
	return func(_ transport.Stream, line string) {
		if strings.TrimSpace(line) == "started" {
			f()
		}
	}
}

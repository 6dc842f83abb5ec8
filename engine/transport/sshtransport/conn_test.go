package sshtransport

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// marker returns a number to sleep for that no other process uses.
func marker() string { return fmt.Sprint(700000 + rand.IntN(90000000)) }

func TestOneConnectionForConcurrentCalls(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	p := startProxy(t, srv)
	h := newHost(t, p.config(t, srv))
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { errs[i] = runTrue(h) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := p.accepted.Load(); n != 1 {
		t.Fatalf("%d connections made, want 1", n)
	}
}

func TestConnectionLostWhileRunning(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	p := startProxy(t, srv)
	h := newHost(t, p.config(t, srv))
	m := marker()
	killMarked(t, m)
	_, err := h.Run(context.Background(), transport.Command{Script: sleepScript(m), OnLine: onStarted(p.cut)})
	if !errors.Is(err, transport.ErrConnectionLost) {
		t.Fatalf("got %v, want ErrConnectionLost", err)
	}
	if err := runTrue(h); err != nil {
		t.Fatalf("next call after the connection was lost: %v", err)
	}
	if n := p.accepted.Load(); n != 2 {
		t.Fatalf("%d connections made, want 2", n)
	}
}

func TestRedialBetweenCalls(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	p := startProxy(t, srv)
	h := newHost(t, p.config(t, srv))
	for i := range 3 {
		if err := runTrue(h); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		p.cut()
	}
	if n := p.accepted.Load(); n != 3 {
		t.Fatalf("%d connections made, want 3", n)
	}
}

func TestKeepAliveDetectsSilentConnection(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	p := startProxy(t, srv)
	cfg := p.config(t, srv)
	cfg.KeepAlive = 200 * time.Millisecond
	h := newHost(t, cfg)
	m := marker()
	killMarked(t, m)
	_, err := h.Run(context.Background(), transport.Command{Script: sleepScript(m), OnLine: onStarted(p.freeze)})
	if !errors.Is(err, transport.ErrConnectionLost) {
		t.Fatalf("got %v, want ErrConnectionLost", err)
	}
	if err := runTrue(h); err != nil {
		t.Fatalf("next call: %v", err)
	}
}

func TestSilentHostTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range accepted {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, c)
			mu.Unlock()
		}
	}()
	addr := l.Addr().(*net.TCPAddr)
	key := sshdtest.NewKey(t, filepath.Join(t.TempDir(), "key"), "")
	h := newHost(t, Config{Address: addr.IP.String(), Port: addr.Port, IdentityFiles: []string{key.File}, ConnectTimeout: 300 * time.Millisecond, SSHConfigFile: "none", AgentSocket: "none"})
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { errs[i] = runTrue(h) })
	}
	wg.Wait()
	for _, err := range errs {
		wantUnreachable(t, err, "did not finish within 300ms")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(accepted) != 1 {
		t.Fatalf("%d connections made by concurrent calls, want 1", len(accepted))
	}
}

func TestUnreachableAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close()
	h := newHost(t, Config{Address: addr.IP.String(), Port: addr.Port, SSHConfigFile: "none", AgentSocket: "none"})
	wantUnreachable(t, runTrue(h), "connect to", "refused")
	var buf strings.Builder
	if _, err := h.Download(context.Background(), "/etc/hostname", &buf); !errors.Is(err, transport.ErrUnreachable) {
		t.Fatalf("download: %v, want ErrUnreachable", err)
	}
}

func TestWaitForSessionHonoursContext(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	cfg := testConfig(srv)
	cfg.MaxSessions = 1
	h := newHost(t, cfg)
	release := make(chan struct{})
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := h.Run(context.Background(), transport.Command{Script: "echo started; read x", Stdin: readerUntil(release), OnLine: onStarted(func() { close(started) })})
		done <- err
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Run(ctx, transport.Command{Args: []string{"true"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

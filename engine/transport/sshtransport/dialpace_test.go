package sshtransport

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/dialgate"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// holdStartups opens n connections to srv that say nothing, so that they
// take n of its MaxStartups slots, and returns a function closing them.
func holdStartups(t *testing.T, srv *sshdtest.Server, n int) func() {
	t.Helper()
	var conns []net.Conn
	for range n {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	var once sync.Once
	release := func() {
		once.Do(func() {
			for _, c := range conns {
				c.Close()
			}
		})
	}
	t.Cleanup(release)
	return release
}

// TestMaxStartupsRefusalsAreRetried checks, against an sshd that takes
// only two connections not yet authenticated at once, that a connection
// it refuses fails without a gate, saying why, and that with a gate many
// hosts connecting at once all get through, the refusals counted.
func TestMaxStartupsRefusalsAreRetried(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{Config: []string{"MaxStartups 2:100:2"}})
	release := holdStartups(t, srv, 2)

	// Both slots taken, a connection is refused before the banner.
	h := newHost(t, testConfig(srv))
	_, err := h.Run(context.Background(), transport.Command{Script: "true"})
	if !errors.Is(err, errStartupRefused) || !errors.Is(err, transport.ErrUnreachable) || !strings.Contains(err.Error(), "MaxStartups") {
		t.Fatalf("a connection beyond MaxStartups: %v", err)
	}

	gate := dialgate.New(64)
	const hosts = 40
	var wg sync.WaitGroup
	errs := make([]error, hosts)
	for i := range hosts {
		cfg := testConfig(srv)
		cfg.Dials = gate
		h := newHost(t, cfg)
		wg.Go(func() {
			res, err := h.Run(context.Background(), transport.Command{Script: "true"})
			if err == nil && !res.OK() {
				err = errors.New(string(res.Stderr))
			}
			errs[i] = err
		})
	}
	// The slots are freed once the gate has met a refusal.
	for gate.Stats().Retries == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("host %d: %v", i, err)
		}
	}
	st := gate.Stats()
	if st.SetUps != hosts || st.Failed != 0 || st.Retries == 0 || st.Peak > 64 {
		t.Errorf("gate stats %+v, want %d set-ups, none failed, some retries", st, hosts)
	}
}

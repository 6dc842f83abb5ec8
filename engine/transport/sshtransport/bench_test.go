package sshtransport

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// BenchmarkFleet runs `true` 20 times in a row on each of 50 hosts, the
// hosts in parallel, all served by one sshd. "connected" reuses
// connections made before the timer starts; "cold" includes connecting;
// "serial" is the latency of one command on one host.
// The user logging in has /bin/sh as its shell, so that the figures are
// not those of a login shell's startup files.
func BenchmarkFleet(b *testing.B) {
	const hosts, commands = 50, 20
	srv := sshdtest.Start(b, sshdtest.Options{})
	u := sshdtest.NewUser(b)
	fleet := func(b *testing.B) []transport.Host {
		hs := make([]transport.Host, hosts)
		for i := range hs {
			cfg := testConfig(srv)
			cfg.User = u.Name
			hs[i] = newHost(b, cfg)
		}
		return hs
	}
	run := func(b *testing.B, hs []transport.Host) {
		var wg sync.WaitGroup
		errs := make([]error, len(hs))
		for i, h := range hs {
			wg.Go(func() {
				for range commands {
					if _, err := h.Run(context.Background(), transport.Command{Args: []string{"true"}}); err != nil {
						errs[i] = err
						return
					}
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
	}
	report := func(b *testing.B, elapsed time.Duration) {
		b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*hosts*commands), "ns/command")
	}
	b.Run("serial", func(b *testing.B) {
		h := fleet(b)[0]
		for b.Loop() {
			if err := runTrue(h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("connected", func(b *testing.B) {
		hs := fleet(b)
		for _, h := range hs {
			if err := runTrue(h); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		for b.Loop() {
			run(b, hs)
		}
		report(b, time.Since(start))
	})
	b.Run("cold", func(b *testing.B) {
		var elapsed time.Duration
		for b.Loop() {
			b.StopTimer()
			hs := fleet(b)
			b.StartTimer()
			start := time.Now()
			run(b, hs)
			elapsed += time.Since(start)
			for _, h := range hs {
				h.Close()
			}
		}
		report(b, elapsed)
	})
}

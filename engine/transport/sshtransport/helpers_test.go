package sshtransport

import (
	"context"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// testConfig returns a Config reaching srv as root with its client key,
// reading no ssh_config and using no agent.
func testConfig(srv *sshdtest.Server) Config {
	return Config{
		Address:         srv.Host,
		Port:            srv.Port,
		User:            "root",
		IdentityFiles:   []string{srv.ClientKey.File},
		KnownHostsFiles: []string{srv.KnownHosts},
		SSHConfigFile:   "none",
		AgentSocket:     "none",
	}
}

// newHost returns a Host for cfg, closed when the test ends.
func newHost(t testing.TB, cfg Config) transport.Host {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// collectWarnings sets cfg.Warn to collect the warnings it receives and
// returns a function that returns them.
func collectWarnings(cfg *Config) func() []string {
	var mu sync.Mutex
	var warnings []string
	cfg.Warn = func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, msg)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(warnings)
	}
}

// dropConnection closes h's connection as a network failure would.
func dropConnection(h transport.Host) {
	hh := h.(*host)
	hh.mu.Lock()
	c := hh.cur
	hh.mu.Unlock()
	if c != nil {
		c.close()
	}
}

// mustRunScript runs script on h and fails the test unless it exits 0.
func mustRunScript(t testing.TB, h transport.Host, script string) transport.Result {
	t.Helper()
	res, err := h.Run(context.Background(), transport.Command{Script: script})
	if err != nil {
		t.Fatalf("run %q: %v", script, err)
	}
	if !res.OK() {
		t.Fatalf("run %q: exit %d signal %q: %s", script, res.ExitCode, res.Signal, res.Stderr)
	}
	return res
}

// blockingReader yields one line once release is closed.
type blockingReader struct {
	release <-chan struct{}
	done    bool
}

// readerUntil returns a reader that blocks until release is closed, then
// yields one line and ends.
func readerUntil(release <-chan struct{}) *blockingReader { return &blockingReader{release: release} }

func (r *blockingReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	<-r.release
	r.done = true
	return copy(p, "go\n"), nil
}

package sshtransport

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestHostKeyIsTheVerifiedOne: HostKey connects and returns the key that
// known_hosts vouched for, or that accept-new recorded; with checking off
// it refuses to vouch for any.
func TestHostKeyIsTheVerifiedOne(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	want := srv.HostKey.Marshal()
	for _, policy := range []HostKeyChecking{Strict, AcceptNew} {
		cfg := testConfig(srv)
		if policy == AcceptNew {
			cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
		}
		cfg.HostKeyChecking = policy
		got, err := newHost(t, cfg).(transport.HostKeyer).HostKey(context.Background())
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: HostKey = %x, %v; want the server's key", policy, got, err)
		}
	}
	cfg := testConfig(srv)
	cfg.HostKeyChecking = Off
	cfg.Warn = func(string) {}
	if key, err := newHost(t, cfg).(transport.HostKeyer).HostKey(context.Background()); !errors.Is(err, transport.ErrHostKeyUnverified) {
		t.Errorf("with checking off: HostKey = %x, %v; want ErrHostKeyUnverified", key, err)
	}
}

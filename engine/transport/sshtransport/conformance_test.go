package sshtransport

import (
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/transporttest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestConformance runs the conformance suite, in each mode, against a
// real sshd with the SFTP subsystem and against one without it, where
// files travel over exec sessions, and the suite of sudo under
// `Defaults requiretty` against both, logging in as the users it makes.
// The four passes run in parallel, each on its own sshd: much of a pass
// is waiting (on sleeps its commands run, on processes leaving the
// process table, on sudo's delay after a wrong password), which another
// pass fills.
func TestConformance(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name   string
				noSFTP bool
			}{{"sftp", false}, {"nosftp", true}} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					srv := sshdtest.Start(t, sshdtest.Options{MaxSessions: 10, NoSFTP: tc.noSFTP})
					config := func() Config {
						cfg := testConfig(srv)
						cfg.Mode = mode
						return cfg
					}
					transporttest.Run(t, func(t *testing.T) transport.Host { return newHost(t, config()) })
					t.Run("RequireTTY", func(t *testing.T) {
						transporttest.RunRequireTTY(t, func(t *testing.T, user string) transport.Host {
							cfg := config()
							cfg.User = user
							return newHost(t, cfg)
						})
					})
				})
			}
		})
	}
}

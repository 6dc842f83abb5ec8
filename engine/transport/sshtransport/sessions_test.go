package sshtransport

import (
	"errors"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestSessionsAsManyAsServerAllows runs quick commands back to back on as
// many sessions as sshd allows, so that new sessions are asked for while
// sshd still counts the ones that just ended.
func TestSessionsAsManyAsServerAllows(t *testing.T) {
	const slots, commands = 3, 40
	srv := sshdtest.Start(t, sshdtest.Options{MaxSessions: slots})
	cfg := testConfig(srv)
	cfg.User = sshdtest.NewUser(t).Name
	cfg.MaxSessions = slots
	h := newHost(t, cfg)
	var wg sync.WaitGroup
	errs := make([]error, slots)
	for i := range errs {
		wg.Go(func() {
			for range commands {
				if errs[i] = runTrue(h); errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

package sshtransport

import (
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/transporttest"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

func TestConformance(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{MaxSessions: 10})
	transporttest.Run(t, func(t *testing.T) transport.Host { return newHost(t, testConfig(srv)) })
}

package transport_test

import (
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/transporttest"
)

func TestLocal(t *testing.T) {
	transporttest.Run(t, func(*testing.T) transport.Host { return transport.NewLocal() })
}

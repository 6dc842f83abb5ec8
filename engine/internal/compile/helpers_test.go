package compile

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/loadtest"
)

// mustLoad loads a one-file playbook and fails the test on any error.
func mustLoad(t testing.TB, src string, opts LoadOptions) *Program {
	t.Helper()
	return loadtest.MustLoad(t, src, func(dir string) (*Program, hcl.Diagnostics) { return Load(dir, opts) })
}

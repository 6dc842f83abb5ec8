package main

import (
	"strings"
	"testing"
)

// TestValidateAndPlanCheckWaits gives ha-pair a pg_wait that is no
// duration: validate and plan refuse it before anything runs, at the
// argument of the step that takes it.
func TestValidateAndPlanCheckWaits(t *testing.T) {
	for _, cmd := range []string{"validate", "plan"} {
		for _, wait := range []string{"5mins", "-5m"} {
			r := runbook(t, cmd, "ha-pair", "-var", "primary=10.0.0.2", "-var", "secondary=10.0.0.3", "-var", "pg_wait="+wait, "--no-color")
			r.wantCode(t, exitUsage)
			for _, want := range []string{`on ha-pair.hcl:`, `in task "pg_replicate" "replicate"`, "wait                = var.pg_wait", `Task replicate, argument "wait"`, `"` + wait + `" is not a positive duration`} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("%s with pg_wait=%s: stderr does not say %q:\n%s", cmd, wait, want, r.stderr)
				}
			}
		}
	}
}

package playbooks_test

import (
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/playbooks"
)

// BenchmarkValidateHAPair measures what `runbook validate ha-pair` costs the
// engine: loading the embedded playbook with its variables, checking every
// reference and type, building the graph, and planning with unknown values.
func BenchmarkValidateHAPair(b *testing.B) {
	opts := engine.LoadOptions{Vars: []string{"primary=10.0.0.2", "secondary=10.0.0.3"}, Environ: []string{}}
	b.ReportAllocs()
	for b.Loop() {
		p, diags := engine.LoadFS(playbooks.FS, ".", opts)
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		if _, diags := p.Plan(); diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
}

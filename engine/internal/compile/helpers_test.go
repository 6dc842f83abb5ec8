package compile

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/loadtest"
)

// writePlaybook writes files (name -> content) to a new temporary
// directory and returns it.
func writePlaybook(t testing.TB, files map[string]string) string {
	t.Helper()
	return loadtest.WritePlaybook(t, files)
}

// mustLoad loads a one-file playbook and fails the test on any error.
func mustLoad(t testing.TB, src string, opts LoadOptions) *Program {
	t.Helper()
	p, diags := Load(writePlaybook(t, map[string]string{"main.hcl": src}), opts)
	if diags.HasErrors() {
		t.Fatalf("load: %s", diagText(p, diags))
	}
	return p
}

// diagText renders diagnostics as a person would read them.
func diagText(p *Program, diags hcl.Diagnostics) string {
	var files map[string]*hcl.File
	if p != nil {
		files = p.Files()
	}
	return loadtest.DiagText(files, diags)
}

// flat joins the words of s with single spaces, so that a text matches
// however it is wrapped.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

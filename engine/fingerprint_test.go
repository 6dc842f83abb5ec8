package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/runbookhq/runbook/engine/internal/loadtest"
)

// TestJournalKey checks that the key of a playbook's journal follows its
// place and its inventory, not its variables.
func TestJournalKey(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{
		"main.hcl": "variable \"x\" {\n  default = 1\n}\ntask \"echo\" \"a\" {\n  message = \"a\"\n}\n",
		"inv1":     "host \"db\" {\n  address = \"10.0.0.1\"\n}\n",
		"inv2":     "host \"db\" {\n  address = \"10.0.0.2\"\n}\n",
	})
	key := func(opts LoadOptions) string {
		p, diags := Load(dir, opts)
		if diags.HasErrors() {
			t.Fatal(diagText(p, diags))
		}
		return p.JournalKey()
	}
	base := key(LoadOptions{})
	if key(LoadOptions{Vars: []string{"x=2"}}) != base {
		t.Error("a variable's value changes the key")
	}
	one, two := key(LoadOptions{Inventory: []string{filepath.Join(dir, "inv1")}}), key(LoadOptions{Inventory: []string{filepath.Join(dir, "inv2")}})
	if one == base || two == base || one == two {
		t.Errorf("keys %s (no inventory), %s and %s (two inventories) are not all different", base, one, two)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, dir)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := Load(rel, LoadOptions{}); p.JournalKey() != base {
		t.Error("a relative path to the same playbook gives another key")
	}
}

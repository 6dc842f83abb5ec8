package playbooks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/playbooks"
)

// TestBundledPlaybookAsRole uses the bundled playbook as a role of a
// playbook of one's own: its variables are the role's inputs, its hosts
// join the playbook's and its tasks are named by the role. It has no
// outputs, which reading one says.
func TestBundledPlaybookAsRole(t *testing.T) {
	dir := t.TempDir()
	site := `
role "ha" {
  source    = "bundled:ha-pair"
  primary   = "10.0.0.2"
  secondary = "10.0.0.3"
}

task "command" "announce" {
  on   = host.primary
  argv = ["logger", "paired", role.ha.mode]
}
`
	if err := os.WriteFile(filepath.Join(dir, "site.hcl"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := engine.Load(filepath.Join(dir, "site.hcl"), engine.LoadOptions{Bundled: playbooks.FS})
	if !diags.HasErrors() || !strings.Contains(diagsText(diags), `The role "ha" (source "bundled:ha-pair") has no outputs`) {
		t.Fatalf("reading an output the bundled playbook does not have: %s", diagsText(diags))
	}
	site = strings.Replace(site, `argv = ["logger", "paired", role.ha.mode]`, `argv = ["logger", "paired"]`, 1)
	if err := os.WriteFile(filepath.Join(dir, "site.hcl"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	p, diags := engine.Load(filepath.Join(dir, "site.hcl"), engine.LoadOptions{Bundled: playbooks.FS})
	requireNoErrors(t, p, diags)
	plan, diags := p.Plan()
	requireNoErrors(t, p, diags)
	ids := map[string]engine.PlannedInstance{}
	for _, inst := range plan.Instances {
		ids[inst.ID()] = inst
	}
	for _, id := range []string{"role.ha.task.facts@primary", "role.ha.task.replicate@primary", "announce@primary"} {
		if _, ok := ids[id]; !ok {
			t.Errorf("plan has no %s", id)
		}
	}
	if got := ids["role.ha.task.cluster_hosts@primary"].Description; !strings.Contains(got, "['10.0.0.3/32']") {
		t.Errorf("cluster_hosts would %q, want the secondary's /32", got)
	}
	for _, h := range p.Hosts() {
		if h.Name == "primary" && h.Address != "10.0.0.2" {
			t.Errorf("host primary at %q, want the role's input", h.Address)
		}
	}
	if _, diags := engine.Load(filepath.Join(dir, "site.hcl"), engine.LoadOptions{}); !diags.HasErrors() {
		t.Error("a bundled source loads without the bundled playbooks")
	}
}

// diagsText joins the details of diags.
func diagsText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}

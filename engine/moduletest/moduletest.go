package moduletest

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/sshtransport"
)

// fileName is the name the playbook snippet has in diagnostics.
const fileName = "main.hcl"

// Load loads a playbook whose one file holds src, with the variables vars
// ("NAME=VALUE", as -var flags give them), and fails t, showing the
// diagnostics with their source, when it does not load without errors.
func Load(t testing.TB, src string, vars ...string) *engine.Playbook {
	t.Helper()
	p, diags := load(src, vars)
	if diags.HasErrors() {
		t.Fatalf("the playbook does not load:\n%s", diagText(p, diags))
	}
	return p
}

// LoadErrors loads src as Load does and returns its diagnostics as a
// person reads them, failing t when the playbook loads without errors. It
// is for testing that a module refuses bad arguments when the playbook
// loads.
func LoadErrors(t testing.TB, src string, vars ...string) string {
	t.Helper()
	p, diags := load(src, vars)
	if !diags.HasErrors() {
		t.Fatalf("the playbook loads without errors")
	}
	return diagText(p, diags)
}

// Run loads src as Load does and runs it with opts, whose Connect, when
// nil, runs every host on the control node (transport.NewLocal). It
// returns the report whatever the run's error, which the report's
// instances explain; t fails only when the run cannot start.
func Run(t testing.TB, src string, opts engine.RunOptions, vars ...string) *engine.Report {
	t.Helper()
	p := Load(t, src, vars...)
	if opts.Connect == nil {
		opts.Connect = func(engine.HostConfig) (transport.Host, error) { return transport.NewLocal(), nil }
	}
	rep, err := engine.Run(context.Background(), p, opts)
	if rep == nil {
		t.Fatalf("the run does not start: %v", err)
	}
	return rep
}

// Instance returns the result of the instance id ("task@host") in rep,
// failing t when rep has none.
func Instance(t testing.TB, rep *engine.Report, id string) engine.InstanceResult {
	t.Helper()
	for _, r := range rep.Instances {
		if r.ID() == id {
			return r
		}
	}
	t.Fatalf("the run has no instance %s", id)
	return engine.InstanceResult{}
}

// SSH returns a RunOptions.Connect that reaches each host over SSH from
// its host block (address, port, user, identity_file, password; see
// sshtransport.ForHost), checking host keys strictly against the
// known_hosts file knownHosts, with neither an ssh-agent nor ssh_config
// so that the test does not depend on the machine. Each connection is
// closed when the run ends.
func SSH(knownHosts string) func(engine.HostConfig) (transport.Host, error) {
	return func(h engine.HostConfig) (transport.Host, error) {
		cfg := sshtransport.ForHost(h)
		cfg.KnownHostsFiles = []string{knownHosts}
		cfg.HostKeyChecking = sshtransport.Strict
		cfg.SSHConfigFile = "none"
		cfg.AgentSocket = "none"
		return sshtransport.New(cfg)
	}
}

// load loads src as the one file of a playbook.
func load(src string, vars []string) (*engine.Playbook, hcl.Diagnostics) {
	fsys := fstest.MapFS{fileName: {Data: []byte(src)}}
	return engine.LoadFS(fsys, ".", engine.LoadOptions{Vars: vars})
}

// diagText renders diagnostics with the source lines they point at.
func diagText(p *engine.Playbook, diags hcl.Diagnostics) string {
	var files map[string]*hcl.File
	if p != nil {
		files = p.Files()
	}
	var b strings.Builder
	_ = engine.NewDiagnosticWriter(&b, files, false).WriteDiagnostics(diags)
	return b.String()
}

package playbooks_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sim"
)

// stop is the outcome a profile must stop with in preflight: the instance
// that fails, and what its error must name besides its task.
type stop struct {
	failed   string
	mentions func(p *sim.Pair) []string
}

// profileStops are the profiles of testdata/profiles that must stop in
// preflight; every other profile must end in a streaming pair.
var profileStops = map[string]stop{
	"03-no-version.hcl": {"version_known@local", func(p *sim.Pair) []string {
		return []string{p.Secondary.Address, "unknown", "-var alation_version=4.7.2"}
	}},
	"13-noisy-bashrc.hcl": {"clean_logins@local", func(p *sim.Pair) []string {
		return []string{p.Secondary.Address, "Loading Alation environment...", "start-up files"}
	}},
	"18-no-shell-rights.hcl": {"facts@secondary", func(*sim.Pair) []string {
		return []string{"on secondary", "sudo for du", "not a superuser", "ALTER ROLE alation SUPERUSER"}
	}},
	"21-mixed-pair-ssh-5.3-ed25519.hcl": {"ssh_knows_host_keys@local", func(p *sim.Pair) []string {
		return []string{"ssh on the secondary (" + p.Secondary.Address, "OpenSSH_5.3", "ssh-ed25519 host key of the primary (" + p.Primary.Address, "ssh-keyscan -t rsa"}
	}},
	"24-mongo-auth-no-credentials.hcl": {"facts@primary", func(*sim.Pair) []string {
		return []string{"on primary", "not authorized", "-var mongo_user=NAME", "mongo_password"}
	}},
	"27-supervisor-status-fatal.hcl": {"services_running@local", func(p *sim.Pair) []string {
		return []string{p.Secondary.Address, "kvstore", "FATAL", "sudo /etc/init.d/alation start"}
	}},
	"29-listen-localhost.hcl": {"listen_for_peer@local", func(p *sim.Pair) []string {
		return []string{p.Secondary.Address, "listen_addresses \"\"", "bindIp \"127.0.0.1\"", "listen_addresses = '*'", "mongod.conf"}
	}},
	"15-4.8.hcl": {"supported_version@local", func(p *sim.Pair) []string {
		return []string{p.Primary.Address, "4.8", "4.7 and below"}
	}},
	"16-foreign-standby.hcl": {"secondary_mode@local", func(p *sim.Pair) []string {
		return []string{p.Secondary.Address, sim.DefaultForeignMaster, "cluster_enter_standalone_mode"}
	}},
}

// TestHAPairProfiles runs the bundled playbook, unchanged, on a pair of
// each profile in testdata/profiles, as many at once as the test's
// parallelism allows: a profile of profileStops must stop in preflight
// with both hosts unchanged and an error naming the host, the problem and
// the fix; any other must end in a streaming pair that a second run
// leaves unchanged.
func TestHAPairProfiles(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "profiles", "*.hcl"))
	if err != nil || len(files) < 12 {
		t.Fatalf("profiles: %v, %v; want at least 12", files, err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		name := filepath.Base(file)
		seen[name] = true
		profile, err := sim.LoadProfile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(name, ".hcl"), func(t *testing.T) {
			t.Parallel()
			t.Log(profile.Description)
			pair := pairOfProfile(t, profile)
			if s, ok := profileStops[name]; ok {
				checkPreflightStop(t, pair, s.failed, s.mentions(pair)...)
				return
			}
			setUpTwice(t, pair, profile.VarArgs()...)
		})
	}
	for name := range profileStops {
		if !seen[name] {
			t.Errorf("profileStops names %s, which is not in testdata/profiles", name)
		}
	}
}

// profilePair starts a pair of the profile testdata/profiles/name.
func profilePair(t *testing.T, name string) *sim.Pair {
	t.Helper()
	profile, err := sim.LoadProfile(filepath.Join("testdata", "profiles", name))
	if err != nil {
		t.Fatal(err)
	}
	return pairOfProfile(t, profile)
}

// pairOfProfile starts a pair of the default version with the knobs of
// profile.
func pairOfProfile(t *testing.T, profile *sim.Profile) *sim.Pair {
	t.Helper()
	opts := pairOf(sim.DefaultVersion, sim.Faults{})
	if err := profile.Apply(&opts); err != nil {
		t.Fatal(err)
	}
	return sim.StartPair(t, opts)
}

package modules

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "package",
		Doc: "Installs, upgrades or removes packages on the host with its own package manager: apt (Debian, Ubuntu) or " +
			"dnf, else yum (RHEL and its kin), found on the host unless manager names one. Only what differs is done: a package " +
			"that is installed is never installed again. The outputs give the versions installed after the task. " +
			"Tested for real with apt and dpkg; with dnf and yum only the commands it runs and its reading of their output are tested.",
		New:     func() engine.Module { return &Package{State: "present", Manager: "auto"} },
		Outputs: PackageOutputs{},
	})
}

// Package is the package module.
type Package struct {
	Names       []string `hcl:"names" doc:"The packages, by name (with an architecture, such as libc6:amd64, where apt wants one)."`
	State       string   `hcl:"state,optional" doc:"present (installed, at any version), latest (installed at the newest version the package sources offer) or absent (removed)."`
	Manager     string   `hcl:"manager,optional" doc:"auto (found on the host: apt-get, else dnf, else yum), apt, dnf or yum."`
	UpdateCache bool     `hcl:"update_cache,optional" doc:"Refresh the package lists first (apt-get update, dnf or yum makecache). Check mode does not refresh them: it judges latest against the lists as they are."`
}

// PackageOutputs are the outputs of the package module.
type PackageOutputs struct {
	Manager  string            `cty:"manager" doc:"The package manager used: apt, dnf or yum."`
	Versions map[string]string `cty:"versions" doc:"The version installed of each package named, after the task; a package that is not installed is left out."`
	Changed  []string          `cty:"changed" doc:"The packages the task installed, upgraded or removed, sorted."`
}

// packageStates and packageManagers are the values state and manager take.
var (
	packageStates   = []string{"present", "latest", "absent"}
	packageManagers = []string{"auto", "apt", "dnf", "yum"}
)

// packageName is what a package name may look like: it never starts with
// a dash, so no name reads as an option of the package manager.
var packageName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+:~-]*$`)

// Validate checks the names, the state and the manager.
func (p *Package) Validate() error {
	switch {
	case len(p.Names) == 0:
		return engine.ArgErrorf("names", "name at least one package")
	case !slices.Contains(packageStates, p.State):
		return engine.ArgErrorf("state", "%q is none of %s", p.State, strings.Join(packageStates, ", "))
	case !slices.Contains(packageManagers, p.Manager):
		return engine.ArgErrorf("manager", "%q is none of %s", p.Manager, strings.Join(packageManagers, ", "))
	}
	for _, n := range p.Names {
		if !packageName.MatchString(n) {
			return engine.ArgErrorf("names", "%q is no package name", n)
		}
	}
	return nil
}

// Describe says what the task does to which packages.
func (p *Package) Describe() string {
	verb := map[string]string{"present": "install", "latest": "install or upgrade", "absent": "remove"}[p.State]
	return verb + " " + strings.Join(p.Names, ", ")
}

// SafeToRepeat reports true: the package manager does only what is left
// to do.
func (p *Package) SafeToRepeat() bool { return true }

// Check says which packages Run would install, upgrade or remove.
func (p *Package) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	pm, err := p.manager(ctx, env)
	if err != nil {
		return engine.Result{}, err
	}
	versions, todo, err := p.todo(ctx, env, pm)
	if err != nil || len(todo) == 0 {
		return engine.Result{Outputs: PackageOutputs{Manager: pm.name, Versions: versions, Changed: []string{}}}, err
	}
	return engine.Result{Changed: true}, nil
}

// Run installs, upgrades or removes what differs.
func (p *Package) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	pm, err := p.manager(ctx, env)
	if err != nil {
		return engine.Result{}, err
	}
	if p.UpdateCache {
		if err := pm.run(ctx, env, "refresh the package lists", pm.refresh()); err != nil {
			return engine.Result{}, err
		}
	}
	versions, todo, err := p.todo(ctx, env, pm)
	if err != nil || len(todo) == 0 {
		return engine.Result{Outputs: PackageOutputs{Manager: pm.name, Versions: versions, Changed: []string{}}}, err
	}
	if err := pm.run(ctx, env, p.Describe(), pm.change(p.State, todo)); err != nil {
		return engine.Result{Changed: true}, err
	}
	if versions, err = pm.installed(ctx, env, p.Names); err != nil {
		return engine.Result{Changed: true}, err
	}
	return engine.Result{Changed: true, Outputs: PackageOutputs{Manager: pm.name, Versions: versions, Changed: todo}}, nil
}

// todo returns the installed versions of the task's packages and those of
// them the task must change, sorted.
func (p *Package) todo(ctx context.Context, env *engine.Env, pm packageManager) (map[string]string, []string, error) {
	versions, err := pm.installed(ctx, env, p.Names)
	if err != nil {
		return nil, nil, err
	}
	var todo []string
	for _, n := range p.Names {
		_, ok := versions[n]
		if ok == (p.State == "absent") {
			todo = append(todo, n)
		}
	}
	if p.State == "latest" {
		upgrades, err := pm.upgradable(ctx, env, p.Names)
		if err != nil {
			return nil, nil, err
		}
		todo = append(todo, upgrades...)
	}
	slices.Sort(todo)
	return versions, slices.Compact(todo), nil
}

// manager returns the package manager the task names, or the one found on
// the host.
func (p *Package) manager(ctx context.Context, env *engine.Env) (packageManager, error) {
	name := p.Manager
	if name == "auto" {
		res, err := env.Host.Run(ctx, transport.Command{Script: `for m in apt-get dnf yum; do if command -v "$m" >/dev/null 2>&1; then echo "$m"; exit 0; fi; done; exit 3`, Quiet: true})
		switch {
		case err != nil:
			return packageManager{}, fmt.Errorf("find the package manager of %s: %w", env.HostName, err)
		case !res.OK():
			return packageManager{}, engine.Permanent(fmt.Errorf("%s has none of apt-get, dnf and yum: set manager", env.HostName))
		}
		name = strings.TrimSuffix(trimNewline(res.Stdout), "-get")
	}
	return packageManager{name: name}, nil
}

// packageManager builds the commands of one package manager and reads
// their output.
type packageManager struct {
	name string // apt, dnf or yum
}

// aptEnv keeps apt and dpkg from asking questions.
var aptEnv = map[string]string{"DEBIAN_FRONTEND": "noninteractive"}

// refresh is the command that refreshes the package lists.
func (pm packageManager) refresh() []string {
	if pm.name == "apt" {
		return []string{"apt-get", "update", "-q"}
	}
	return []string{pm.name, "makecache", "-q", "-y"}
}

// change is the command that brings names to state.
func (pm packageManager) change(state string, names []string) []string {
	switch {
	case pm.name == "apt" && state == "absent":
		return append([]string{"apt-get", "remove", "-y", "-q"}, names...)
	case pm.name == "apt":
		return append([]string{"apt-get", "install", "-y", "-q", "--no-install-recommends"}, names...)
	case state == "absent":
		return append([]string{pm.name, "remove", "-y", "-q"}, names...)
	case state == "latest":
		// install installs what is missing, upgrade upgrades what is there.
		return append([]string{"/bin/sh", "-c", `"$0" install -y -q "$@" && "$0" upgrade -y -q "$@"`, pm.name}, names...)
	}
	return append([]string{pm.name, "install", "-y", "-q"}, names...)
}

// query is the command that prints the installed versions of names.
func (pm packageManager) query(names []string) []string {
	if pm.name == "apt" {
		return append([]string{"dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\t${Version}\n"}, names...)
	}
	return append([]string{"rpm", "-q", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"}, names...)
}

// installed returns the installed version of each of names that is
// installed.
func (pm packageManager) installed(ctx context.Context, env *engine.Env, names []string) (map[string]string, error) {
	// Both exit 1 when some package is not installed, and say so.
	res, err := env.Host.Run(ctx, transport.Command{Args: pm.query(names), Quiet: true})
	if err != nil {
		return nil, fmt.Errorf("read the installed packages of %s: %w", env.HostName, err)
	}
	if res.ExitCode > 1 || res.Signal != "" {
		return nil, fmt.Errorf("read the installed packages of %s: %s exited with code %d: %s", env.HostName, pm.query(nil)[0], res.ExitCode, trimNewline(res.Stderr))
	}
	return pm.parseInstalled(string(res.Stdout), names), nil
}

// parseInstalled reads what query printed: the versions of the packages
// of names that are installed (dpkg's status "ii", or rpm's lines with a
// tab; rpm's "package X is not installed" has none).
func (pm packageManager) parseInstalled(out string, names []string) map[string]string {
	versions := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		switch {
		case pm.name == "apt" && len(f) == 3 && strings.TrimSpace(f[1]) == "ii":
			versions[f[0]] = f[2]
		case pm.name != "apt" && len(f) == 2:
			versions[f[0]] = f[1]
		}
	}
	// dpkg-query prints arch-qualified names bare: key them as asked.
	for _, n := range names {
		if bare, _, ok := strings.Cut(n, ":"); ok {
			if v, found := versions[bare]; found {
				versions[n] = v
			}
		}
	}
	maps.DeleteFunc(versions, func(k, _ string) bool { return !slices.Contains(names, k) })
	return versions
}

// upgradable returns those of names that an upgrade would change: what
// apt-get's simulation would install ("Inst NAME …"), or what
// dnf/yum check-update lists.
func (pm packageManager) upgradable(ctx context.Context, env *engine.Env, names []string) ([]string, error) {
	args := append([]string{"apt-get", "install", "-s", "-q", "--no-install-recommends"}, names...)
	if pm.name != "apt" {
		args = append([]string{pm.name, "check-update", "-q"}, names...)
	}
	res, err := env.Host.Run(ctx, transport.Command{Args: args, Env: aptEnv, Quiet: true})
	switch {
	case err != nil:
		return nil, fmt.Errorf("find the upgrades of %s: %w", env.HostName, err)
	case !res.OK() && !(pm.name != "apt" && res.ExitCode == 100): // check-update: 100 means updates
		return nil, fmt.Errorf("find the upgrades of %s: %s exited with code %d: %s", env.HostName, args[0], res.ExitCode, trimNewline(res.Stderr))
	}
	return pm.parseUpgradable(string(res.Stdout), names), nil
}

// parseUpgradable reads what upgradable's command printed.
func (pm packageManager) parseUpgradable(out string, names []string) []string {
	var list []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case pm.name == "apt" && len(f) >= 2 && f[0] == "Inst":
			list = append(list, f[1])
		case pm.name != "apt" && len(f) == 3:
			name, _, _ := strings.Cut(f[0], ".") // NAME.ARCH
			list = append(list, name)
		}
	}
	return slices.DeleteFunc(list, func(n string) bool { return !slices.Contains(names, n) })
}

// run runs args on env's host, with apt's environment, failing with what
// and the end of stderr when it fails.
func (pm packageManager) run(ctx context.Context, env *engine.Env, what string, args []string) error {
	return runChecked(ctx, env, what, transport.Command{Args: args, Env: aptEnv})
}

var (
	_ engine.Validator  = (*Package)(nil)
	_ engine.Describer  = (*Package)(nil)
	_ engine.Repeatable = (*Package)(nil)
	_ engine.Checker    = (*Package)(nil)
)

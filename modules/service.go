package modules

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "service",
		Doc: "Starts, stops or restarts a service on the host, and enables or disables it at boot, with the host's own tools: " +
			"systemctl where systemd runs, else the service's init script (/etc/init.d/NAME) with update-rc.d or chkconfig. " +
			"Only what differs is done, except restarted, which always restarts. " +
			"The init-script path is tested for real; the systemd one only for the commands it runs, as no systemd runs where the tests run.",
		New:     func() engine.Module { return &Service{Manager: "auto"} },
		Outputs: ServiceOutputs{},
	})
}

// Service is the service module.
type Service struct {
	Name    string `hcl:"name" doc:"The service's name: its systemd unit (without .service) or its init script."`
	State   string `hcl:"state,optional" doc:"started, stopped or restarted; unset leaves it running or not."`
	Enabled *bool  `hcl:"enabled,optional" doc:"Whether the service starts at boot; unset leaves it as it is."`
	Manager string `hcl:"manager,optional" doc:"auto (systemd when it runs on the host, else init scripts), systemd or sysv."`
}

// ServiceOutputs are the outputs of the service module.
type ServiceOutputs struct {
	Manager string `cty:"manager" doc:"How the service was managed: systemd or sysv."`
	Running bool   `cty:"running" doc:"Whether the service runs after the task."`
	Enabled bool   `cty:"enabled" doc:"Whether the service starts at boot after the task."`
}

// serviceVerbs are the commands of systemctl and init scripts that bring
// a service to each state.
var serviceVerbs = map[string]string{"started": "start", "stopped": "stop", "restarted": "restart"}

// serviceName is what a service name may look like: no path, no option.
var serviceName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@:-]*$`)

// Validate checks the name, the state and the manager.
func (s *Service) Validate() error {
	switch {
	case !serviceName.MatchString(s.Name):
		return engine.ArgErrorf("name", "%q is no service name", s.Name)
	case !slices.Contains([]string{"", "started", "stopped", "restarted"}, s.State):
		return engine.ArgErrorf("state", "%q is none of started, stopped and restarted", s.State)
	case !slices.Contains([]string{"auto", "systemd", "sysv"}, s.Manager):
		return engine.ArgErrorf("manager", "%q is none of auto, systemd and sysv", s.Manager)
	case s.State == "" && s.Enabled == nil:
		return engine.ArgErrorf("state", "set state, enabled or both")
	}
	return nil
}

// Describe says what the task does to the service.
func (s *Service) Describe() string {
	var parts []string
	if s.State != "" {
		parts = append(parts, serviceVerbs[s.State]+" "+s.Name)
	}
	if s.Enabled != nil {
		parts = append(parts, map[bool]string{true: "enable ", false: "disable "}[*s.Enabled]+s.Name+" at boot")
	}
	return strings.Join(parts, ", ")
}

// SafeToRepeat reports true: starting, stopping and enabling again
// change nothing, and restarting again is what the task asks.
func (s *Service) SafeToRepeat() bool { return true }

// Check says what Run would do.
func (s *Service) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return s.apply(ctx, env, false)
}

// Run brings the service to the state the task asks for.
func (s *Service) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return s.apply(ctx, env, true)
}

// apply reads the service's state, and with do set, changes what differs.
func (s *Service) apply(ctx context.Context, env *engine.Env, do bool) (engine.Result, error) {
	sm, err := s.manager(ctx, env)
	if err != nil {
		return engine.Result{}, err
	}
	out := ServiceOutputs{Manager: sm.kind}
	if out.Running, err = sm.running(ctx, env); err != nil {
		return engine.Result{}, err
	}
	if out.Enabled, err = sm.enabled(ctx, env); err != nil {
		return engine.Result{}, err
	}
	before := out
	var actions [][]string
	switch {
	case s.State == "restarted", s.State == "started" && !out.Running, s.State == "stopped" && out.Running:
		actions = append(actions, sm.action(serviceVerbs[s.State]))
		out.Running = s.State != "stopped"
	}
	if s.Enabled != nil && *s.Enabled != out.Enabled {
		actions = append(actions, sm.enable(*s.Enabled))
		out.Enabled = *s.Enabled
	}
	if len(actions) == 0 {
		return engine.Result{Outputs: out}, nil
	}
	if !do {
		return engine.Result{Changed: true}, nil
	}
	for i, a := range actions {
		if err := runChecked(ctx, env, strings.Join(a, " "), transport.Command{Args: a}); err != nil {
			return engine.Result{Changed: i > 0 || s.changedSince(ctx, env, sm, before)}, err
		}
	}
	return engine.Result{Changed: true, Outputs: out}, nil
}

// changedSince reports whether the service on env's host is no longer
// running or enabled as before says, after an action that failed (a
// restart may stop the service and fail to start it again); a state that
// cannot be read counts as changed.
func (s *Service) changedSince(ctx context.Context, env *engine.Env, sm serviceManager, before ServiceOutputs) bool {
	running, err := sm.running(ctx, env)
	if err != nil {
		return true
	}
	enabled, err := sm.enabled(ctx, env)
	return err != nil || running != before.Running || enabled != before.Enabled
}

// manager returns how the host manages the service: systemd when it runs
// there (/run/systemd/system exists), else init scripts.
func (s *Service) manager(ctx context.Context, env *engine.Env) (serviceManager, error) {
	sm := serviceManager{kind: s.Manager, name: s.Name}
	if s.Manager != "auto" {
		return sm, nil
	}
	res, err := env.Host.Run(ctx, transport.Command{Args: []string{"test", "-d", "/run/systemd/system"}, Quiet: true})
	if err != nil {
		return sm, fmt.Errorf("find whether systemd runs on %s: %w", env.HostName, err)
	}
	sm.kind = "sysv"
	if res.OK() {
		sm.kind = "systemd"
	}
	return sm, nil
}

// serviceManager builds the commands that read and change a service.
type serviceManager struct {
	kind string // systemd or sysv
	name string
}

// action is the command that starts, stops or restarts the service.
func (sm serviceManager) action(verb string) []string {
	if sm.kind == "systemd" {
		return []string{"systemctl", verb, sm.name}
	}
	return []string{"/etc/init.d/" + sm.name, verb}
}

// enable is the command that enables or disables the service at boot:
// systemctl, else update-rc.d or chkconfig, whichever the host has.
func (sm serviceManager) enable(on bool) []string {
	if sm.kind == "systemd" {
		return []string{"systemctl", map[bool]string{true: "enable", false: "disable"}[on], sm.name}
	}
	script := `if command -v update-rc.d >/dev/null 2>&1; then if [ "$2" = on ]; then update-rc.d "$1" defaults && update-rc.d "$1" enable; else update-rc.d "$1" disable; fi; else chkconfig "$1" "$2"; fi`
	return []string{"/bin/sh", "-c", script, "sh", sm.name, map[bool]string{true: "on", false: "off"}[on]}
}

// running reports whether the service runs: systemctl is-active, or the
// init script's status (0 running; 1 to 3 not, as the LSB says).
func (sm serviceManager) running(ctx context.Context, env *engine.Env) (bool, error) {
	args := []string{"/etc/init.d/" + sm.name, "status"}
	if sm.kind == "systemd" {
		args = []string{"systemctl", "is-active", "--quiet", sm.name}
	}
	res, err := env.Host.Run(ctx, transport.Command{Args: args, Quiet: true})
	switch {
	case err != nil:
		return false, fmt.Errorf("read whether %s runs on %s: %w", sm.name, env.HostName, err)
	case res.OK():
		return true, nil
	case res.Signal == "" && (sm.kind == "systemd" || res.ExitCode <= 3):
		return false, nil // systemctl: any failure; the LSB: 1 to 3 mean stopped, 4 unknown
	}
	return false, fmt.Errorf("read whether %s runs on %s: %s exited with code %d: %s", sm.name, env.HostName, args[0], res.ExitCode, trimNewline(res.Stderr))
}

// enabled reports whether the service starts at boot: systemctl
// is-enabled, or a start link in /etc/rc[2-5].d.
func (sm serviceManager) enabled(ctx context.Context, env *engine.Env) (bool, error) {
	args := []string{"/bin/sh", "-c", `for f in /etc/rc[2345].d/S[0-9][0-9]"$1"; do [ -e "$f" ] && exit 0; done; exit 1`, "sh", sm.name}
	if sm.kind == "systemd" {
		args = []string{"systemctl", "is-enabled", "--quiet", sm.name}
	}
	res, err := env.Host.Run(ctx, transport.Command{Args: args, Quiet: true})
	if err != nil {
		return false, fmt.Errorf("read whether %s starts at boot on %s: %w", sm.name, env.HostName, err)
	}
	return res.OK(), nil
}

var (
	_ engine.Validator  = (*Service)(nil)
	_ engine.Describer  = (*Service)(nil)
	_ engine.Repeatable = (*Service)(nil)
	_ engine.Checker    = (*Service)(nil)
)

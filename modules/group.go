package modules

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "group",
		Doc: "Makes sure a group exists on the host, with a given gid, or does not, with the host's groupadd, groupmod " +
			"and groupdel. Only what differs is changed.",
		New:     func() engine.Module { return &Group{State: "present"} },
		Outputs: GroupOutputs{},
	})
}

// Group is the group module.
type Group struct {
	Name   string `hcl:"name" doc:"The group's name."`
	State  string `hcl:"state,optional" doc:"present or absent."`
	GID    *int   `hcl:"gid,optional" doc:"The group's id; unset lets groupadd choose one, and leaves an existing group's as it is."`
	System bool   `hcl:"system,optional" doc:"Create a system group (groupadd -r), whose gid comes from the system range."`
}

// GroupOutputs are the outputs of the group module.
type GroupOutputs struct {
	Name string `cty:"name" doc:"The group's name."`
	GID  int    `cty:"gid" doc:"The group's id; -1 when it is absent."`
}

// Validate checks the name, the state and the gid.
func (g *Group) Validate() error {
	switch {
	case !validName(g.Name):
		return engine.ArgErrorf("name", "%q is no group name", g.Name)
	case !slices.Contains(editStates, g.State):
		return engine.ArgErrorf("state", "%q is neither present nor absent", g.State)
	case g.GID != nil && *g.GID < 0:
		return engine.ArgErrorf("gid", "%d is no group id", *g.GID)
	}
	return nil
}

// Describe says what the task does.
func (g *Group) Describe() string {
	if g.State == "absent" {
		return "remove the group " + g.Name
	}
	return "keep the group " + g.Name
}

// SafeToRepeat reports true: only what differs is changed.
func (g *Group) SafeToRepeat() bool { return true }

// Check says what Run would change.
func (g *Group) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return g.apply(ctx, env, false)
}

// Run creates, changes or removes the group.
func (g *Group) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return g.apply(ctx, env, true)
}

// apply reads the group and, with do set, changes what differs.
func (g *Group) apply(ctx context.Context, env *engine.Env, do bool) (engine.Result, error) {
	entry, err := getent(ctx, env, "group", g.Name)
	if err != nil {
		return engine.Result{}, err
	}
	gid := entryID(entry)
	var args []string
	switch {
	case g.State == "absent" && entry != nil:
		args = []string{"groupdel", g.Name}
	case g.State == "present" && entry == nil:
		args = []string{"groupadd"}
		if g.System {
			args = append(args, "-r")
		}
		if g.GID != nil {
			args = append(args, "-g", strconv.Itoa(*g.GID))
		}
		args = append(args, g.Name)
	case g.State == "present" && g.GID != nil && gid != *g.GID:
		args = []string{"groupmod", "-g", strconv.Itoa(*g.GID), g.Name}
	}
	if args == nil {
		return engine.Result{Outputs: GroupOutputs{Name: g.Name, GID: gid}}, nil
	}
	if !do {
		return engine.Result{Changed: true}, nil
	}
	if err := runArgs(ctx, env, strings.Join(args, " "), args...); err != nil {
		now, rerr := getent(ctx, env, "group", g.Name)
		return engine.Result{Changed: rerr != nil || !slices.Equal(now, entry)}, err
	}
	if entry, err = getent(ctx, env, "group", g.Name); err != nil {
		return engine.Result{Changed: true}, err
	}
	return engine.Result{Changed: true, Outputs: GroupOutputs{Name: g.Name, GID: entryID(entry)}}, nil
}

// getent returns the fields of the entry of key in the database db
// (passwd or group) on env's host, or nil when there is none.
func getent(ctx context.Context, env *engine.Env, db, key string) ([]string, error) {
	res, err := env.Host.Run(ctx, transport.Command{Args: []string{"getent", db, key}, Quiet: true})
	switch {
	case err != nil:
		return nil, fmt.Errorf("read the %s entry of %s on %s: %w", db, key, env.HostName, err)
	case res.ExitCode == 2:
		return nil, nil
	case !res.OK():
		return nil, fmt.Errorf("read the %s entry of %s on %s: getent exited with code %d", db, key, env.HostName, res.ExitCode)
	}
	fields := strings.Split(trimNewline(res.Stdout), ":")
	if min := map[string]int{"passwd": 7, "group": 4}[db]; len(fields) < min {
		return nil, fmt.Errorf("read the %s entry of %s on %s: getent printed %d fields", db, key, env.HostName, len(fields))
	}
	return fields, nil
}

// entryID returns the uid or gid of a passwd or group entry that getent
// returned, or -1 for none.
func entryID(entry []string) int {
	if entry == nil {
		return -1
	}
	id, err := strconv.Atoi(entry[2])
	if err != nil {
		return -1
	}
	return id
}

var (
	_ engine.Validator  = (*Group)(nil)
	_ engine.Describer  = (*Group)(nil)
	_ engine.Repeatable = (*Group)(nil)
	_ engine.Checker    = (*Group)(nil)
)

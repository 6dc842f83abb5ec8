package modules

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "user",
		Doc: "Makes sure a user account exists on the host, with the uid, primary group, groups, shell and home given, and " +
			"the SSH keys given in its authorized_keys, or that it does not exist; with the host's useradd, usermod and userdel. " +
			"Only what differs is changed. The authorized_keys file is written as the user, through sudo, so that no link the " +
			"user plants in their home leads root to write elsewhere.",
		New:     func() engine.Module { return &User{State: "present", CreateHome: true} },
		Outputs: UserOutputs{},
	})
}

// User is the user module.
type User struct {
	Name           string   `hcl:"name" doc:"The login name."`
	State          string   `hcl:"state,optional" doc:"present or absent."`
	UID            *int     `hcl:"uid,optional" doc:"The user's id; unset lets useradd choose one, and leaves an existing user's as it is."`
	Group          string   `hcl:"group,optional" doc:"The primary group, which must exist; unset: the host's default for a new user, and an existing user's is left as it is."`
	Groups         []string `hcl:"groups,optional" doc:"The supplementary groups, which must exist; unset leaves them as they are."`
	Append         bool     `hcl:"append,optional" doc:"Add the user to groups and leave the other groups it is in; without it the user ends in exactly groups."`
	Shell          string   `hcl:"shell,optional" doc:"The login shell; unset: the host's default for a new user, and an existing user's is left as it is."`
	Home           string   `hcl:"home,optional" doc:"The home directory; unset: the host's default for a new user, and an existing user's is left as it is (it is not moved)."`
	CreateHome     bool     `hcl:"create_home,optional" doc:"Create the home directory of a new user."`
	System         bool     `hcl:"system,optional" doc:"Create a system account (useradd -r)."`
	AuthorizedKeys []string `hcl:"authorized_keys,optional" doc:"SSH public keys, one line each, that must be in HOME/.ssh/authorized_keys; unset leaves the file alone."`
	ExclusiveKeys  bool     `hcl:"exclusive_keys,optional" doc:"Make authorized_keys hold exactly authorized_keys, removing the other keys."`
	RemoveHome     bool     `hcl:"remove_home,optional" doc:"With state = \"absent\", remove the home directory and mail spool too (userdel -r)."`
}

// UserOutputs are the outputs of the user module.
type UserOutputs struct {
	Name   string   `cty:"name" doc:"The login name."`
	UID    int      `cty:"uid" doc:"The user's id; -1 when it is absent."`
	GID    int      `cty:"gid" doc:"The id of its primary group; -1 when it is absent."`
	Home   string   `cty:"home" doc:"The home directory."`
	Shell  string   `cty:"shell" doc:"The login shell."`
	Groups []string `cty:"groups" doc:"The groups the user is in, its primary group first."`
}

// Validate checks the names, paths and keys.
func (u *User) Validate() error {
	switch {
	case !validName(u.Name):
		return engine.ArgErrorf("name", "%q is no user name", u.Name)
	case !slices.Contains(editStates, u.State):
		return engine.ArgErrorf("state", "%q is neither present nor absent", u.State)
	case u.UID != nil && *u.UID < 0:
		return engine.ArgErrorf("uid", "%d is no user id", *u.UID)
	case u.Group != "" && !validName(u.Group):
		return engine.ArgErrorf("group", "%q is no group name", u.Group)
	case slices.ContainsFunc(u.Groups, func(g string) bool { return !validName(g) }):
		return engine.ArgErrorf("groups", "a name in groups is no group name")
	case u.Shell != "" && (!path.IsAbs(u.Shell) || strings.ContainsAny(u.Shell, ":\n")):
		return engine.ArgErrorf("shell", "%q is no absolute path", u.Shell)
	case u.Home != "" && (!path.IsAbs(u.Home) || strings.ContainsAny(u.Home, ":\n")):
		return engine.ArgErrorf("home", "%q is no absolute path", u.Home)
	case slices.ContainsFunc(u.AuthorizedKeys, func(k string) bool { return strings.ContainsAny(k, "\r\n") || strings.TrimSpace(k) == "" }):
		return engine.ArgErrorf("authorized_keys", "each key is one line that is not empty")
	}
	return nil
}

// Describe says what the task does.
func (u *User) Describe() string {
	if u.State == "absent" {
		return "remove the user " + u.Name
	}
	return "keep the user " + u.Name
}

// SafeToRepeat reports true: only what differs is changed.
func (u *User) SafeToRepeat() bool { return true }

// Check says what Run would change.
func (u *User) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return u.apply(ctx, env, false)
}

// Run creates, changes or removes the account and its keys.
func (u *User) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return u.apply(ctx, env, true)
}

// account is what the host says of a user.
type account struct {
	entry  []string // its passwd entry; nil when absent
	groups []string // its groups, the primary one first
}

// readAccount reads the user's account on env's host.
func (u *User) readAccount(ctx context.Context, env *engine.Env) (account, error) {
	entry, err := getent(ctx, env, "passwd", u.Name)
	if err != nil || entry == nil {
		return account{}, err
	}
	res, err := env.Host.Run(ctx, transport.Command{Args: []string{"id", "-Gn", "--", u.Name}, Quiet: true})
	switch {
	case err != nil:
		return account{}, fmt.Errorf("read the groups of %s on %s: %w", u.Name, env.HostName, err)
	case !res.OK():
		return account{}, fmt.Errorf("read the groups of %s on %s: %s", u.Name, env.HostName, trimNewline(res.Stderr))
	}
	return account{entry: entry, groups: strings.Fields(string(res.Stdout))}, nil
}

// apply reads the account and, with do set, changes what differs.
func (u *User) apply(ctx context.Context, env *engine.Env, do bool) (engine.Result, error) {
	acct, err := u.readAccount(ctx, env)
	if err != nil {
		return engine.Result{}, err
	}
	args := u.accountCommand(acct)
	res := engine.Result{Changed: args != nil}
	if do && args != nil {
		if err := runArgs(ctx, env, strings.Join(args[:1], " ")+" "+u.Name, args...); err != nil {
			now, rerr := u.readAccount(ctx, env)
			res.Changed = rerr != nil || !slices.Equal(now.entry, acct.entry) || !slices.Equal(now.groups, acct.groups)
			return res, err
		}
		if acct, err = u.readAccount(ctx, env); err != nil {
			return res, err
		}
	}
	if u.State == "present" && len(u.AuthorizedKeys) > 0 && acct.entry != nil {
		d, err := u.keys(ctx, env, acct.entry[5], do)
		if err != nil {
			return res, err
		}
		if d != nil {
			res.Changed = true
			if env.Diff {
				res.Diffs = append(res.Diffs, *d)
			}
		}
	}
	if res.Changed && !do {
		return res, nil
	}
	out := UserOutputs{Name: u.Name, UID: -1, GID: -1, Groups: []string{}}
	if acct.entry != nil {
		gid, _ := strconv.Atoi(acct.entry[3])
		out = UserOutputs{Name: u.Name, UID: entryID(acct.entry), GID: gid, Home: acct.entry[5], Shell: acct.entry[6], Groups: acct.groups}
	}
	res.Outputs = out
	return res, nil
}

// accountCommand returns the useradd, usermod or userdel command that
// brings acct to what the task asks, or nil when nothing differs.
func (u *User) accountCommand(acct account) []string {
	switch {
	case u.State == "absent" && acct.entry == nil:
		return nil
	case u.State == "absent" && u.RemoveHome:
		return []string{"userdel", "-r", u.Name}
	case u.State == "absent":
		return []string{"userdel", u.Name}
	case acct.entry == nil:
		args := []string{"useradd"}
		if u.System {
			args = append(args, "-r")
		}
		args = append(args, map[bool]string{true: "-m", false: "-M"}[u.CreateHome])
		return append(append(args, u.options(acct)...), u.Name)
	}
	if opts := u.options(acct); len(opts) > 0 {
		return append(append([]string{"usermod"}, opts...), u.Name)
	}
	return nil
}

// options returns the options of useradd or usermod that set what differs
// between acct and the task.
func (u *User) options(acct account) []string {
	var opts []string
	add := func(differs bool, flag, value string) {
		if differs {
			opts = append(opts, flag, value)
		}
	}
	exists := acct.entry != nil
	field := func(i int) string {
		if exists {
			return acct.entry[i]
		}
		return ""
	}
	add(u.UID != nil && (!exists || entryID(acct.entry) != *u.UID), "-u", strconv.Itoa(derefInt(u.UID)))
	add(u.Group != "" && (!exists || len(acct.groups) == 0 || acct.groups[0] != u.Group), "-g", u.Group)
	add(u.Shell != "" && field(6) != u.Shell, "-s", u.Shell)
	add(u.Home != "" && field(5) != u.Home, "-d", u.Home)
	if u.Groups != nil && !u.inGroups(acct.groups) {
		if u.Append && exists {
			opts = append(opts, "-a")
		}
		opts = append(opts, "-G", strings.Join(u.Groups, ","))
	}
	return opts
}

// inGroups reports whether the supplementary groups of a user in groups
// (its primary group first) are what the task asks.
func (u *User) inGroups(groups []string) bool {
	var have []string
	if len(groups) > 1 {
		have = groups[1:]
	}
	if u.Append {
		return !slices.ContainsFunc(u.Groups, func(g string) bool { return !slices.Contains(groups, g) })
	}
	want := slices.Clone(u.Groups)
	slices.Sort(want)
	have = slices.Clone(have)
	slices.Sort(have)
	return slices.Equal(slices.Compact(want), slices.Compact(have))
}

// derefInt returns *p, or 0 when p is nil.
func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// keys makes HOME/.ssh/authorized_keys hold the task's keys, when do is
// set, writing as the user; it returns the file's diff when it differs,
// nil when not.
func (u *User) keys(ctx context.Context, env *engine.Env, home string, do bool) (*engine.FileDiff, error) {
	asUser := &transport.Sudo{User: u.Name}
	file := path.Join(home, ".ssh", "authorized_keys")
	res, err := env.Host.Run(ctx, transport.Command{Args: []string{"/bin/sh", "-c", `[ ! -e "$1" ] || cat -- "$1"`, "sh", file}, Sudo: asUser, Quiet: true, MaxOutput: -1})
	switch {
	case err != nil:
		return nil, fmt.Errorf("read %s on %s: %w", file, env.HostName, err)
	case !res.OK():
		return nil, fmt.Errorf("read %s on %s: %s", file, env.HostName, trimNewline(res.Stderr))
	}
	lines := splitLines(res.Stdout)
	if u.ExclusiveKeys {
		lines = slices.DeleteFunc(lines, func(l string) bool { return !slices.Contains(u.AuthorizedKeys, l) })
	}
	for _, k := range u.AuthorizedKeys {
		if !slices.Contains(lines, k) {
			lines = append(lines, k)
		}
	}
	content := joinLines(lines, res.Stdout)
	if string(content) == string(res.Stdout) {
		return nil, nil
	}
	d := module.NewFileDiff(file, res.Stdout, content)
	if !do {
		return &d, nil
	}
	if err := runChecked(ctx, env, "create "+path.Dir(file), transport.Command{Args: []string{"mkdir", "-p", "-m", "0700", "--", path.Dir(file)}, Sudo: asUser}); err != nil {
		return nil, err
	}
	if _, err := env.Host.Upload(ctx, transport.File{Path: file, Content: content, Mode: 0o600, Sudo: asUser}); err != nil {
		return nil, fmt.Errorf("write %s on %s: %w", file, env.HostName, err)
	}
	return &d, nil
}

var (
	_ engine.Validator  = (*User)(nil)
	_ engine.Describer  = (*User)(nil)
	_ engine.Repeatable = (*User)(nil)
	_ engine.Checker    = (*User)(nil)
)

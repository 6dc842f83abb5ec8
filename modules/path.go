package modules

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "file",
		Doc: "Makes a path on the host a file, a directory or a symbolic link, or removes it, and sets its mode, owner and group. " +
			"Only what differs is changed: a second run reports no change. A path that is something else than the state asks " +
			"(a file where a directory should be) is an error, never replaced.",
		New:     func() engine.Module { return &File{State: "file"} },
		Outputs: PathOutputs{},
	})
}

// File is the file module: it sets the kind, mode, owner and group of a
// path on the host.
type File struct {
	Path    string `hcl:"path" doc:"The absolute path on the host."`
	State   string `hcl:"state,optional" doc:"What the path must be: file (an empty file is created when it is missing; an existing file's content is left alone), directory (created with its parents), link (a symbolic link to src) or absent (removed, with everything below it)."`
	Src     string `hcl:"src,optional" doc:"The target of the link, for state = \"link\" only; a link to another target is replaced."`
	Mode    string `hcl:"mode,optional" doc:"The permission bits, in octal; unset leaves them as they are (a new file gets 0644). Not for links."`
	Owner   string `hcl:"owner,optional" doc:"The user that owns the path, by name or uid; changing it usually needs sudo = true."`
	Group   string `hcl:"group,optional" doc:"The group of the path, by name or gid; changing it usually needs sudo = true."`
	Recurse bool   `hcl:"recurse,optional" doc:"For a directory: set the owner, group and mode of everything below it as well (symbolic links below are left alone)."`
}

// PathOutputs are the outputs of the file module.
type PathOutputs struct {
	Path  string `cty:"path" doc:"The path on the host."`
	State string `cty:"state" doc:"What the path is after the task: file, directory, link or absent."`
	Mode  string `cty:"mode" doc:"Its permission bits, in octal; empty when it is absent or a link."`
	Owner string `cty:"owner" doc:"The user that owns it; empty when it is absent."`
	Group string `cty:"group" doc:"Its group; empty when it is absent."`
}

// fileStates are the values state may take.
var fileStates = []string{"file", "directory", "link", "absent"}

// Validate checks that the path is absolute and not the root, that state
// is one of the four and src is set exactly for a link, and that mode,
// owner and group fit the state.
func (f *File) Validate() error {
	switch {
	case !path.IsAbs(f.Path):
		return engine.ArgErrorf("path", "%q is not an absolute path", f.Path)
	case path.Clean(f.Path) == "/":
		return engine.ArgErrorf("path", "the root directory cannot be a task's path")
	case !slices.Contains(fileStates, f.State):
		return engine.ArgErrorf("state", "%q is none of %s", f.State, strings.Join(fileStates, ", "))
	case (f.State == "link") != (f.Src != ""):
		return engine.ArgErrorf("src", "src is the target of a link: set it exactly when state is \"link\"")
	case f.Recurse && f.State != "directory":
		return engine.ArgErrorf("recurse", "recurse is for state = \"directory\"")
	case f.Mode != "" && (f.State == "link" || f.State == "absent"):
		return engine.ArgErrorf("mode", "a %s has no mode to set", map[string]string{"link": "link", "absent": "path that is absent"}[f.State])
	case (f.Owner != "" || f.Group != "") && f.State == "absent":
		return engine.ArgErrorf("owner", "a path that is absent has no owner or group to set")
	case f.Owner != "" && !validName(f.Owner):
		return engine.ArgErrorf("owner", "%q is no user name or uid", f.Owner)
	case f.Group != "" && !validName(f.Group):
		return engine.ArgErrorf("group", "%q is no group name or gid", f.Group)
	}
	if f.Mode != "" {
		if _, err := parseMode(f.Mode); err != nil {
			return engine.ArgErrorf("mode", "%v", err)
		}
	}
	return nil
}

// Describe says what the path becomes.
func (f *File) Describe() string {
	switch f.State {
	case "absent":
		return "remove " + f.Path
	case "link":
		return fmt.Sprintf("link %s to %s", f.Path, f.Src)
	}
	attrs := fileTarget{mode: cmp.Or(f.Mode, "mode kept"), owner: f.Owner, group: f.Group}.attributes()
	return fmt.Sprintf("make %s a %s %s", f.Path, f.State, attrs)
}

// SafeToRepeat reports true: the module changes only what differs.
func (f *File) SafeToRepeat() bool { return true }

// Check says what Run would change.
func (f *File) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	st, err := statPath(ctx, env, f.Path, false)
	if err != nil {
		return engine.Result{}, err
	}
	kind, err := f.kindChange(env, st)
	if err != nil {
		return engine.Result{}, err
	}
	var changes []engine.Attribute
	switch {
	case kind != nil && st.kind == "absent":
		changes = append(f.newAttributes(), *kind)
	case kind != nil:
		changes = []engine.Attribute{*kind}
	default:
		if changes, err = f.attributeChanges(ctx, env, st); err != nil {
			return engine.Result{}, err
		}
	}
	if len(changes) == 0 {
		return engine.Result{Outputs: f.outputs(st)}, nil
	}
	return engine.Result{Changed: true, Diffs: f.diffs(env, changes)}, nil
}

// Run makes the path what the task asks for. When a step fails, the
// result reports a change only when an earlier step succeeded or the
// path is no longer what it was before the failed step (rm -rf, for one,
// removes what it can before it fails).
func (f *File) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	st, err := statPath(ctx, env, f.Path, false)
	if err != nil {
		return engine.Result{}, err
	}
	kind, err := f.kindChange(env, st)
	if err != nil {
		return engine.Result{}, err
	}
	var changes []engine.Attribute
	if kind != nil {
		if err := f.makeKind(ctx, env, st); err != nil {
			return engine.Result{Changed: f.changedSince(ctx, env, st)}, err
		}
		changes = append(changes, *kind)
		if st, err = statPath(ctx, env, f.Path, false); err != nil {
			return engine.Result{Changed: true}, err
		}
	}
	attrs, err := f.attributeChanges(ctx, env, st)
	if err != nil {
		return engine.Result{Changed: len(changes) > 0}, err
	}
	for _, a := range attrs {
		if err := f.setAttribute(ctx, env, a); err != nil {
			return engine.Result{Changed: len(changes) > 0 || f.changedSince(ctx, env, st)}, err
		}
		changes = append(changes, a)
	}
	if len(attrs) > 0 {
		if st, err = statPath(ctx, env, f.Path, false); err != nil {
			return engine.Result{Changed: true}, err
		}
	}
	return engine.Result{Changed: len(changes) > 0, Outputs: f.outputs(st), Diffs: f.diffs(env, changes)}, nil
}

// changedSince reports whether the path on env's host differs from
// before, its state before a step that failed; a path whose state
// cannot be read counts as changed.
func (f *File) changedSince(ctx context.Context, env *engine.Env, before pathState) bool {
	now, err := statPath(ctx, env, f.Path, false)
	return err != nil || now != before
}

// diffs returns the diff of the path when the run asks for diffs and
// something changes.
func (f *File) diffs(env *engine.Env, changes []engine.Attribute) []engine.FileDiff {
	if !env.Diff || len(changes) == 0 {
		return nil
	}
	return []engine.FileDiff{{Path: f.Path, Attributes: changes}}
}

// kindChange returns the change of the path's kind, or of a link's
// target, that st asks for; nil when there is none. A path of another
// kind than the state asks is an error: the module replaces no file by a
// directory, nor the reverse.
func (f *File) kindChange(env *engine.Env, st pathState) (*engine.Attribute, error) {
	switch {
	case st.kind == f.State && (f.State != "link" || st.linkTarget == f.Src):
		return nil, nil
	case f.State == "absent", st.kind == "absent":
		return &engine.Attribute{Name: "state", Before: st.kind, After: f.State}, nil
	case f.State == "link" && st.kind == "link":
		return &engine.Attribute{Name: "target", Before: st.linkTarget, After: f.Src}, nil
	}
	return nil, engine.Permanent(fmt.Errorf("%s on %s is a %s, not a %s; remove it first", f.Path, env.HostName, st.kind, f.State))
}

// newAttributes are the properties a new path gets, as check mode says
// them.
func (f *File) newAttributes() []engine.Attribute {
	var attrs []engine.Attribute
	for _, a := range [][2]string{{"mode", f.Mode}, {"owner", f.Owner}, {"group", f.Group}} {
		if a[1] != "" {
			attrs = append(attrs, engine.Attribute{Name: a[0], Before: "absent", After: a[1]})
		}
	}
	return attrs
}

// attributeChanges returns the changes of mode, owner and group that the
// existing path st needs, and for a directory with recurse, a change of
// what is below it when something there differs.
func (f *File) attributeChanges(ctx context.Context, env *engine.Env, st pathState) ([]engine.Attribute, error) {
	if st.kind == "absent" {
		return nil, nil
	}
	mode := st.mode
	if f.Mode != "" {
		mode, _ = parseMode(f.Mode) // checked by Validate
	}
	changes := attributeChanges(st, mode, f.Owner, f.Group)
	if !f.Recurse || st.kind != "directory" {
		return changes, nil
	}
	below, err := f.differsBelow(ctx, env)
	if err != nil || below == "" {
		return changes, err
	}
	return append(changes, engine.Attribute{Name: "below", Before: below + " differs", After: f.wantedBelow()}), nil
}

// differsBelow returns a path below the directory whose owner, group or
// mode is not the one the task asks for; "" when there is none.
func (f *File) differsBelow(ctx context.Context, env *engine.Env) (string, error) {
	var alts [][]string // find's tests of what differs, any of which matches
	if f.Owner != "" {
		alts = append(alts, []string{"!", "-user", f.Owner})
	}
	if f.Group != "" {
		alts = append(alts, []string{"!", "-group", f.Group})
	}
	if f.Mode != "" {
		alts = append(alts, []string{"(", "!", "-type", "l", "!", "-perm", f.Mode, ")"})
	}
	if len(alts) == 0 {
		return "", nil
	}
	args := []string{"find", f.Path, "-mindepth", "1", "("}
	for i, alt := range alts {
		if i > 0 {
			args = append(args, "-o")
		}
		args = append(args, alt...)
	}
	args = append(args, ")", "-print", "-quit")
	res, err := env.Host.Run(ctx, transport.Command{Args: args, Quiet: true})
	switch {
	case err != nil:
		return "", fmt.Errorf("look below %s on %s: %w", f.Path, env.HostName, err)
	case !res.OK():
		return "", fmt.Errorf("look below %s on %s: %s", f.Path, env.HostName, trimNewline(res.Stderr))
	}
	return trimNewline(res.Stdout), nil
}

// wantedBelow says what recurse sets below the directory.
func (f *File) wantedBelow() string {
	var parts []string
	for _, a := range [][2]string{{"owner", f.Owner}, {"group", f.Group}, {"mode", f.Mode}} {
		if a[1] != "" {
			parts = append(parts, a[0]+" "+a[1])
		}
	}
	return strings.Join(parts, ", ")
}

// makeKind makes the path, whose state is st, of the kind the task asks
// for: it removes it, creates it, or points the link at src.
func (f *File) makeKind(ctx context.Context, env *engine.Env, st pathState) error {
	switch f.State {
	case "absent":
		return runArgs(ctx, env, "remove "+f.Path, "rm", "-rf", "--", f.Path)
	case "directory":
		return runArgs(ctx, env, "create "+f.Path, "mkdir", "-p", "--", f.Path)
	case "link":
		return runArgs(ctx, env, "link "+f.Path, "ln", "-sfT", "--", f.Src, f.Path)
	}
	mode := defaultFileMode
	if f.Mode != "" {
		mode, _ = parseMode(f.Mode) // checked by Validate
	}
	if _, err := env.Host.Upload(ctx, transport.File{Path: f.Path, Mode: mode, Owner: f.Owner, Group: f.Group}); err != nil {
		return fmt.Errorf("create %s on %s: %w", f.Path, env.HostName, err)
	}
	return nil
}

// defaultFileMode is the mode of a file the module creates when the task
// gives none.
const defaultFileMode fs.FileMode = 0o644

// setAttribute makes one change that attributeChanges found.
func (f *File) setAttribute(ctx context.Context, env *engine.Env, a engine.Attribute) error {
	switch a.Name {
	case "mode":
		return runArgs(ctx, env, "set the mode of "+f.Path, "chmod", a.After, "--", f.Path)
	case "owner":
		return runArgs(ctx, env, "set the owner of "+f.Path, "chown", "-h", a.After, "--", f.Path)
	case "group":
		return runArgs(ctx, env, "set the group of "+f.Path, "chgrp", "-h", a.After, "--", f.Path)
	}
	// below: what recurse sets under the directory
	if f.Owner != "" || f.Group != "" {
		owner := f.Owner
		if f.Group != "" {
			owner += ":" + f.Group
		}
		if err := runArgs(ctx, env, "set the owners below "+f.Path, "chown", "-R", "-h", owner, "--", f.Path); err != nil {
			return err
		}
	}
	if f.Mode != "" {
		return runArgs(ctx, env, "set the modes below "+f.Path, "chmod", "-R", f.Mode, "--", f.Path)
	}
	return nil
}

// runArgs runs the argument vector args on env's host, failing with what
// (such as "remove /tmp/x") and the command's standard error when it
// exits with another status than 0.
func runArgs(ctx context.Context, env *engine.Env, what string, args ...string) error {
	return runChecked(ctx, env, what, transport.Command{Args: args})
}

// runChecked runs cmd, whose Args are set, on env's host, failing with
// what and the end of the command's standard error when it exits with
// another status than 0.
func runChecked(ctx context.Context, env *engine.Env, what string, cmd transport.Command) error {
	res, err := env.Host.Run(ctx, cmd)
	switch {
	case err != nil:
		return fmt.Errorf("%s on %s: %w", what, env.HostName, err)
	case !res.OK():
		return fmt.Errorf("%s on %s: %s exited with code %d: %s", what, env.HostName, cmd.Args[0], res.ExitCode, tail(trimNewline(res.Stderr), stderrTailLines))
	}
	return nil
}

// outputs are the outputs of the path whose state is st.
func (f *File) outputs(st pathState) PathOutputs {
	out := PathOutputs{Path: f.Path, State: st.kind, Owner: st.user, Group: st.group}
	if st.kind != "absent" && st.kind != "link" {
		out.Mode = fmt.Sprintf("%04o", st.mode)
	}
	return out
}

// validName reports whether s can name a user or group on a command line:
// letters, digits, '.', '_' and '-', not first, and a final '$'.
func validName(s string) bool {
	for i, r := range s {
		ok := r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') ||
			(r == '-' && i > 0) || (r == '$' && i == len(s)-1 && i > 0)
		if !ok {
			return false
		}
	}
	return s != ""
}

var (
	_ engine.Validator  = (*File)(nil)
	_ engine.Describer  = (*File)(nil)
	_ engine.Repeatable = (*File)(nil)
	_ engine.Checker    = (*File)(nil)
)

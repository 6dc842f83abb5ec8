package modules

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "unarchive",
		Doc: "Extracts a .tar.gz (.tgz), .tar.xz (.txz) or .zip archive into a directory on the host, with the host's tar or " +
			"unzip. The archive comes from the control node (copied to a private temporary directory on the host first) or, " +
			"with remote_src, is already on the host. With creates the task is skipped when that path exists, which makes it " +
			"safe to repeat; without it every run extracts again, and check mode cannot predict it. Files keep the archive's " +
			"modes but not its owners: they belong to the user that extracts them.",
		New:     func() engine.Module { return &Unarchive{} },
		Outputs: UnarchiveOutputs{},
	})
}

// Unarchive is the unarchive module.
type Unarchive struct {
	Src       string `hcl:"src" doc:"The archive: a file on the control node (a relative path starts from the directory runbook runs in), or with remote_src an absolute path on the host. Its name's ending says its format."`
	Dest      string `hcl:"dest" doc:"The absolute path of the directory on the host to extract into; it is created when missing."`
	RemoteSrc bool   `hcl:"remote_src,optional" doc:"src is on the host, not on the control node."`
	Creates   string `hcl:"creates,optional" doc:"An absolute path on the host: when it exists, nothing is extracted and the task reports no change."`
}

// UnarchiveOutputs are the outputs of the unarchive module.
type UnarchiveOutputs struct {
	Dest      string `cty:"dest" doc:"The directory extracted into."`
	Extracted bool   `cty:"extracted" doc:"Whether the archive was extracted: false when creates existed."`
}

// archiveFormats maps the endings of archive names to the command that
// extracts an archive ($1) into a directory ($2).
var archiveFormats = []struct{ suffix, script string }{
	{".tar.gz", `tar -xzf "$1" --no-same-owner -C "$2"`},
	{".tgz", `tar -xzf "$1" --no-same-owner -C "$2"`},
	{".tar.xz", `tar -xJf "$1" --no-same-owner -C "$2"`},
	{".txz", `tar -xJf "$1" --no-same-owner -C "$2"`},
	{".zip", `unzip -o -q "$1" -d "$2"`},
}

// extractScript returns the script that extracts the archive named name,
// or "" when its ending names no format.
func extractScript(name string) string {
	for _, f := range archiveFormats {
		if strings.HasSuffix(strings.ToLower(name), f.suffix) {
			return `set -e; mkdir -p -- "$2"; ` + f.script
		}
	}
	return ""
}

// Validate checks the paths and the archive's format.
func (u *Unarchive) Validate() error {
	switch {
	case extractScript(u.Src) == "":
		return engine.ArgErrorf("src", "%q does not end in .tar.gz, .tgz, .tar.xz, .txz or .zip", u.Src)
	case u.RemoteSrc && !path.IsAbs(u.Src):
		return engine.ArgErrorf("src", "%q on the host is not an absolute path", u.Src)
	case !path.IsAbs(u.Dest):
		return engine.ArgErrorf("dest", "%q is not an absolute path", u.Dest)
	case u.Creates != "" && !path.IsAbs(u.Creates):
		return engine.ArgErrorf("creates", "%q is not an absolute path", u.Creates)
	}
	return nil
}

// Describe says what is extracted where.
func (u *Unarchive) Describe() string {
	where := "from the control node"
	if u.RemoteSrc {
		where = "on the host"
	}
	return fmt.Sprintf("extract %s (%s) into %s", u.Src, where, u.Dest)
}

// SafeToRepeat reports whether creates guards the task.
func (u *Unarchive) SafeToRepeat() bool { return u.Creates != "" }

// Check says whether Run would extract: only creates can tell.
func (u *Unarchive) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if u.Creates == "" {
		return engine.Result{}, fmt.Errorf("%w: without creates, whether extracting changes anything is not known", engine.ErrCannotPredict)
	}
	exists, err := pathExists(ctx, env, "", u.Creates)
	if err != nil || exists {
		return engine.Result{Outputs: UnarchiveOutputs{Dest: u.Dest}}, err
	}
	return engine.Result{Changed: true}, nil
}

// Run extracts the archive unless creates exists.
func (u *Unarchive) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if u.Creates != "" {
		exists, err := pathExists(ctx, env, "", u.Creates)
		if err != nil || exists {
			return engine.Result{Outputs: UnarchiveOutputs{Dest: u.Dest}}, err
		}
	}
	src := u.Src
	if !u.RemoteSrc {
		content, err := readSrc(u.Src)
		if err != nil {
			return engine.Result{}, err
		}
		tmp, err := tempDir(ctx, env)
		if err != nil {
			return engine.Result{}, err
		}
		defer func() { _ = runArgs(context.WithoutCancel(ctx), env, "remove "+tmp, "rm", "-rf", "--", tmp) }()
		src = path.Join(tmp, "archive") // its format comes from u.Src
		if _, err := env.Host.Upload(ctx, transport.File{Path: src, Content: content, Mode: 0o600}); err != nil {
			return engine.Result{}, fmt.Errorf("copy %s to %s: %w", u.Src, env.HostName, err)
		}
	}
	args := []string{"/bin/sh", "-c", extractScript(u.Src), "sh", src, u.Dest}
	if err := runChecked(ctx, env, "extract "+u.Src, transport.Command{Args: args}); err != nil {
		// Extracting may stop midway, having written part of the archive:
		// only a dest that does not exist shows that nothing was.
		exists, xerr := pathExists(ctx, env, "", u.Dest)
		return engine.Result{Changed: exists || xerr != nil}, err
	}
	return engine.Result{Changed: true, Outputs: UnarchiveOutputs{Dest: u.Dest, Extracted: true}}, nil
}

// tempDir makes a private temporary directory on env's host.
func tempDir(ctx context.Context, env *engine.Env) (string, error) {
	res, err := env.Host.Run(ctx, transport.Command{Args: []string{"mktemp", "-d"}, Quiet: true})
	switch {
	case err != nil:
		return "", fmt.Errorf("make a temporary directory on %s: %w", env.HostName, err)
	case !res.OK():
		return "", fmt.Errorf("make a temporary directory on %s: %s", env.HostName, trimNewline(res.Stderr))
	}
	dir := trimNewline(res.Stdout)
	if !path.IsAbs(dir) || strings.ContainsAny(dir, "\n\x00") {
		return "", errors.New("mktemp printed no absolute path")
	}
	return dir, nil
}

var (
	_ engine.Validator  = (*Unarchive)(nil)
	_ engine.Describer  = (*Unarchive)(nil)
	_ engine.Repeatable = (*Unarchive)(nil)
	_ engine.Checker    = (*Unarchive)(nil)
)

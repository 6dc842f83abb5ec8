package modules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

// FileOutputs are the outputs of the modules that write a file on the
// host: copy and template.
type FileOutputs struct {
	Dest    string `cty:"dest" doc:"The path of the file on the host."`
	SHA256  string `cty:"sha256" doc:"The SHA-256 checksum of the file's content, in lowercase hex."`
	Size    int64  `cty:"size" doc:"The size of the file in bytes."`
	Changed bool   `cty:"changed" doc:"Whether the file was written: false when it already had this content and mode."`
}

// fileTarget is where and how a module writes a file on the host.
type fileTarget struct {
	dest, mode, owner, group string
	follow                   bool
}

// validate checks the destination, the mode, the owner and the group.
func (t fileTarget) validate() error { return t.validateKnown(engine.AllKnown) }

// validateKnown checks those of the destination, the mode, the owner and
// the group that known says hold their final values, each reported at
// its argument: dest an absolute path, the mode octal permission bits,
// the owner and the group names or ids.
func (t fileTarget) validateKnown(known func(arg string) bool) error {
	switch {
	case known("dest") && t.dest == "":
		return engine.ArgErrorf("dest", "dest is empty")
	case known("dest") && !path.IsAbs(t.dest):
		return engine.ArgErrorf("dest", "%q is not an absolute path", t.dest)
	case known("owner") && t.owner != "" && !validName(t.owner):
		return engine.ArgErrorf("owner", "%q is no user name or uid", t.owner)
	case known("group") && t.group != "" && !validName(t.group):
		return engine.ArgErrorf("group", "%q is no group name or gid", t.group)
	}
	if known("mode") {
		if _, err := parseMode(t.mode); err != nil {
			return engine.ArgErrorf("mode", "%v", err)
		}
	}
	return nil
}

// describe says what writing content of the given description to the
// target would do, e.g. "copy 12 bytes to /etc/motd (0644)".
func (t fileTarget) describe(what string) string {
	return fmt.Sprintf("%s to %s %s", what, t.dest, t.attributes())
}

// attributes says the mode, owner and group the target gets, in
// parentheses, e.g. "(0640, owner app)".
func (t fileTarget) attributes() string {
	s := "(" + t.mode
	switch {
	case t.owner != "" && t.group != "":
		s += ", " + t.owner + ":" + t.group
	case t.owner != "":
		s += ", owner " + t.owner
	case t.group != "":
		s += ", group " + t.group
	}
	return s + ")"
}

// check says whether writing content to the target on env's host would
// change it, and with env.Diff how, without writing anything.
func (t fileTarget) check(ctx context.Context, env *engine.Env, content []byte) (engine.Result, error) {
	mode, err := parseMode(t.mode)
	if err != nil {
		return engine.Result{}, err
	}
	st, err := statPath(ctx, env, t.dest, t.follow)
	switch {
	case err != nil:
		return engine.Result{}, err
	case st.kind == "link":
		return engine.Result{}, fmt.Errorf("write %s on %s: %w; set follow = true to write to the file it points to", t.dest, env.HostName, transport.ErrSymlink)
	case st.kind != "file" && st.kind != "absent":
		return engine.Result{}, fmt.Errorf("write %s on %s: it is a %s, not a file", t.dest, env.HostName, st.kind)
	}
	res := engine.Result{Outputs: t.outputs(content, false)}
	sum := sha256.Sum256(content)
	attrs := attributeChanges(st, mode, t.owner, t.group)
	if st.kind == "file" && st.sha256 == hex.EncodeToString(sum[:]) && len(attrs) == 0 {
		return res, nil
	}
	res.Changed = true
	if !env.Diff {
		return res, nil
	}
	d, err := contentDiff(ctx, env, t.dest, st, content)
	if err != nil {
		return engine.Result{}, err
	}
	if st.kind == "absent" {
		attrs = []engine.Attribute{{Name: "state", Before: "absent", After: "file"}}
	}
	d.Attributes = attrs
	res.Diffs = []engine.FileDiff{d}
	return res, nil
}

// write uploads content to the target on env's host. The transport leaves
// a file that already has this content and mode alone and reports it
// unchanged. With env.Diff, the change is compared first (see check).
func (t fileTarget) write(ctx context.Context, env *engine.Env, content []byte) (engine.Result, error) {
	mode, err := parseMode(t.mode)
	if err != nil {
		return engine.Result{}, err
	}
	var diffs []engine.FileDiff
	if env.Diff {
		res, err := t.check(ctx, env, content)
		if err != nil {
			return engine.Result{}, err
		}
		diffs = res.Diffs
	}
	f := transport.File{Path: t.dest, Content: content, Mode: mode, Owner: t.owner, Group: t.group, Follow: t.follow}
	changed, err := env.Host.Upload(ctx, f)
	if errors.Is(err, transport.ErrSymlink) {
		return engine.Result{}, fmt.Errorf("write %s on %s: %w; set follow = true to write to the file it points to", t.dest, env.HostName, err)
	}
	if err != nil {
		return engine.Result{}, fmt.Errorf("write %s on %s: %w", t.dest, env.HostName, err)
	}
	res := engine.Result{Changed: changed, Outputs: t.outputs(content, changed)}
	if changed {
		res.Diffs = diffs
	}
	return res, nil
}

// outputs are the outputs of writing content to the target.
func (t fileTarget) outputs(content []byte, changed bool) FileOutputs {
	sum := sha256.Sum256(content)
	return FileOutputs{Dest: t.dest, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content)), Changed: changed}
}

// parseMode parses permission bits written in octal, such as "0640".
// Special bits (setuid, setgid, sticky) are not accepted.
func parseMode(s string) (fs.FileMode, error) {
	bits, err := strconv.ParseUint(s, 8, 32)
	if err != nil || bits > 0o777 {
		return 0, fmt.Errorf("mode %q is not octal permission bits between 0000 and 0777", s)
	}
	return fs.FileMode(bits), nil
}

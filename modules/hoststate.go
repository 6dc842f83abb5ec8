package modules

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/transport"
)

// pathState is what a module reads of a path on the host before it
// changes it, or in check mode instead.
type pathState struct {
	kind       string      // "absent", "file", "directory", "link" or "other"
	mode       fs.FileMode // permission bits
	uid, gid   string
	user       string // the owner's name, or its uid when it has none
	group      string // the group's name, or its gid when it has none
	size       int64
	sha256     string // of a file's content
	linkTarget string // of a link
}

// statScript prints the state of the path $1: "absent", or stat's
// permission bits, uid, owner, gid, group, size and file type on one line,
// followed for a regular file by its SHA-256 and for a link by its target.
// With $2 = L it follows a link at $1.
const statScript = `if [ ! -e "$1" ] && [ ! -L "$1" ]; then echo absent; exit 0; fi
stat -c '%a %u %U %g %G %s %F' ${2:+-$2} -- "$1" || exit 1
if [ -L "$1" ] && [ -z "$2" ]; then readlink -- "$1"; exit 0; fi
if [ -f "$1" ]; then sha256sum <"$1" | cut -c1-64; fi`

// statPath reads the state of path on env's host, following a symbolic
// link at path when follow is set. Its output is data: it is read quietly,
// so no event shows it.
func statPath(ctx context.Context, env *engine.Env, path string, follow bool) (pathState, error) {
	args := []string{"/bin/sh", "-c", statScript, "sh", path}
	if follow {
		args = append(args, "L")
	}
	res, err := env.Host.Run(ctx, transport.Command{Args: args, Quiet: true})
	switch {
	case err != nil:
		return pathState{}, fmt.Errorf("read the state of %s on %s: %w", path, env.HostName, err)
	case !res.OK():
		return pathState{}, fmt.Errorf("read the state of %s on %s: %s", path, env.HostName, trimNewline(res.Stderr))
	}
	st, err := parseStat(trimNewline(res.Stdout))
	if err != nil {
		return pathState{}, fmt.Errorf("read the state of %s on %s: %w", path, env.HostName, err)
	}
	return st, nil
}

// parseStat reads what statScript printed.
func parseStat(out string) (pathState, error) {
	if out == "absent" {
		return pathState{kind: "absent"}, nil
	}
	first, rest, _ := strings.Cut(out, "\n")
	f := strings.SplitN(first, " ", 7)
	if len(f) < 7 {
		return pathState{}, transport.UnexpectedAnswer("the state of the path", []byte(out))
	}
	mode, err := strconv.ParseUint(f[0], 8, 32)
	if err != nil {
		return pathState{}, transport.UnexpectedAnswer("the state of the path", []byte(out))
	}
	size, err := strconv.ParseInt(f[5], 10, 64)
	if err != nil {
		return pathState{}, transport.UnexpectedAnswer("the state of the path", []byte(out))
	}
	st := pathState{mode: fs.FileMode(mode) & fs.ModePerm, uid: f[1], user: f[2], gid: f[3], group: f[4], size: size}
	switch f[6] {
	case "regular file", "regular empty file":
		st.kind, st.sha256 = "file", rest
	case "directory":
		st.kind = "directory"
	case "symbolic link":
		st.kind, st.linkTarget = "link", rest
	default:
		st.kind = "other"
	}
	return st, nil
}

// ownedBy reports whether the state's owner is user, given as a name or
// a uid; an empty user matches any owner.
func (st pathState) ownedBy(user string) bool {
	return user == "" || user == st.user || user == st.uid
}

// inGroup reports whether the state's group is group, given as a name or
// a gid; an empty group matches any group.
func (st pathState) inGroup(group string) bool {
	return group == "" || group == st.group || group == st.gid
}

// maxDiffContent is the largest old content a module reads to show a
// diff: a larger file's change is said in one line.
const maxDiffContent = 1 << 20

// readContent returns the content of the file at path on env's host,
// read quietly, so no event shows it.
func readContent(ctx context.Context, env *engine.Env, path string) ([]byte, error) {
	res, err := env.Host.Run(ctx, transport.Command{Args: []string{"cat", "--", path}, Quiet: true, MaxOutput: -1})
	switch {
	case err != nil:
		return nil, fmt.Errorf("read %s on %s: %w", path, env.HostName, err)
	case !res.OK():
		return nil, fmt.Errorf("read %s on %s: %s", path, env.HostName, trimNewline(res.Stderr))
	}
	return res.Stdout, nil
}

// contentDiff returns the diff of the file at path, whose state is st,
// when its content becomes content: a unified diff, or a line saying that
// the old content is too large to show.
func contentDiff(ctx context.Context, env *engine.Env, path string, st pathState, content []byte) (engine.FileDiff, error) {
	var before []byte
	switch {
	case st.kind != "file":
	case st.size > maxDiffContent:
		return engine.FileDiff{Path: path, Diff: fmt.Sprintf("content differs: %d bytes before, too many to show\n", st.size)}, nil
	default:
		b, err := readContent(ctx, env, path)
		if err != nil {
			return engine.FileDiff{}, err
		}
		before = b
	}
	return module.NewFileDiff(path, before, content), nil
}

// attributeChanges returns the changes of mode, owner and group that
// would bring st to the wanted ones; an empty owner or group is no
// change.
func attributeChanges(st pathState, mode fs.FileMode, owner, group string) []engine.Attribute {
	var attrs []engine.Attribute
	if st.mode != mode {
		attrs = append(attrs, engine.Attribute{Name: "mode", Before: fmt.Sprintf("%04o", st.mode), After: fmt.Sprintf("%04o", mode)})
	}
	if !st.ownedBy(owner) {
		attrs = append(attrs, engine.Attribute{Name: "owner", Before: st.user, After: owner})
	}
	if !st.inGroup(group) {
		attrs = append(attrs, engine.Attribute{Name: "group", Before: st.group, After: group})
	}
	return attrs
}

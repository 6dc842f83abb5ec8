package modules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/transport"
)

// EditOutputs are the outputs of the modules that edit a text file on the
// host: lineinfile and blockinfile.
type EditOutputs struct {
	Path   string `cty:"path" doc:"The path of the file on the host."`
	Backup string `cty:"backup" doc:"The path of the copy of the old file that backup = true made; empty when none was made."`
}

// textEdit is an edit of a text file on the host: edit turns its old
// lines into its new ones.
type textEdit struct {
	path   string
	create bool // a missing file is created (else, when the edit adds lines, an error)
	backup bool
	mode   string // of a file it creates, or to set; "" keeps the file's
	owner  string
	group  string
	edit   func(lines []string) []string
}

// validate checks the path and the mode, owner and group.
func (e textEdit) validate() error {
	switch {
	case !path.IsAbs(e.path):
		return engine.ArgErrorf("path", "%q is not an absolute path", e.path)
	case e.owner != "" && !validName(e.owner):
		return engine.ArgErrorf("owner", "%q is no user name or uid", e.owner)
	case e.group != "" && !validName(e.group):
		return engine.ArgErrorf("group", "%q is no group name or gid", e.group)
	}
	if e.mode != "" {
		if _, err := parseMode(e.mode); err != nil {
			return engine.ArgErrorf("mode", "%v", err)
		}
	}
	return nil
}

// run reads the file on env's host, edits it, and when write is set
// writes the result back, atomically, keeping the file's mode, owner and
// group unless the task sets them; with backup it first copies the old
// file beside it. Without write it only says what would change (check
// mode). With env.Diff the result holds the diff. Edits of one file on
// one host run one at a time (see editLocks).
func (e textEdit) run(ctx context.Context, env *engine.Env, write bool) (engine.Result, error) {
	unlock, err := editLocks.lock(ctx, env.HostName+"\x00"+e.path)
	if err != nil {
		return engine.Result{}, err
	}
	defer unlock()
	st, err := statPath(ctx, env, e.path, false)
	if err != nil {
		return engine.Result{}, err
	}
	var old []byte
	switch st.kind {
	case "file":
		if old, err = readContent(ctx, env, e.path); err != nil {
			return engine.Result{}, err
		}
	case "absent":
	case "link":
		return engine.Result{}, engine.Permanent(fmt.Errorf("edit %s on %s: %w; edit the file it points to", e.path, env.HostName, transport.ErrSymlink))
	default:
		return engine.Result{}, engine.Permanent(fmt.Errorf("edit %s on %s: it is a %s, not a file", e.path, env.HostName, st.kind))
	}
	content := joinLines(e.edit(splitLines(old)), old)
	out := EditOutputs{Path: e.path}
	if st.kind == "absent" && len(content) == 0 {
		return engine.Result{Outputs: out}, nil // nothing to remove from a missing file
	}
	if st.kind == "absent" && !e.create {
		return engine.Result{}, engine.Permanent(fmt.Errorf("edit %s on %s: the file does not exist; set create = true to create it", e.path, env.HostName))
	}
	f, attrs := e.file(st, content)
	if st.kind == "file" && bytes.Equal(old, content) && len(attrs) == 0 {
		return engine.Result{Outputs: out}, nil
	}
	res := engine.Result{Changed: true, Outputs: out}
	if env.Diff {
		d := module.NewFileDiff(e.path, old, content)
		d.Attributes = attrs
		res.Diffs = []engine.FileDiff{d}
	}
	if !write {
		return res, nil
	}
	if e.backup && st.kind == "file" {
		out.Backup = fmt.Sprintf("%s.%s~", e.path, time.Now().UTC().Format("20060102T150405.000000000Z"))
		if err := runArgs(ctx, env, "back up "+e.path, "cp", "-p", "--", e.path, out.Backup); err != nil {
			return engine.Result{}, err
		}
		res.Outputs = out
	}
	if _, err := env.Host.Upload(ctx, f); err != nil {
		return engine.Result{}, fmt.Errorf("write %s on %s: %w", e.path, env.HostName, err)
	}
	return res, nil
}

// file returns the file to write with content, and the changes of its
// mode, owner and group from st: those the task sets, else the file's own,
// else, for a file it creates, 0644 and the writing user's.
func (e textEdit) file(st pathState, content []byte) (transport.File, []engine.Attribute) {
	f := transport.File{Path: e.path, Content: content, Mode: defaultFileMode, Owner: e.owner, Group: e.group}
	if e.mode != "" {
		f.Mode, _ = parseMode(e.mode) // checked by validate
	}
	if st.kind == "absent" {
		return f, []engine.Attribute{{Name: "state", Before: "absent", After: "file"}}
	}
	if e.mode == "" {
		f.Mode = st.mode
	}
	if f.Owner == "" {
		f.Owner = st.user
	}
	if f.Group == "" {
		f.Group = st.group
	}
	return f, attributeChanges(st, f.Mode, e.owner, e.group)
}

// splitLines returns the lines of content without their line ends.
func splitLines(content []byte) []string {
	if len(content) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(content), "\n"), "\n")
}

// joinLines joins lines, each ended by a newline, unless they are the
// lines of old as they were: then it returns old, whose last line may
// have no newline.
func joinLines(lines []string, old []byte) []byte {
	if strings.Join(lines, "\n") == strings.TrimSuffix(string(old), "\n") {
		return old
	}
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// editStates are the values of the state of lineinfile and blockinfile.
var editStates = []string{"present", "absent"}

// errNewline refuses a line that holds a line end.
var errNewline = errors.New("holds a line end: give one line")

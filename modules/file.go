package modules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
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

// validate checks the destination and the mode.
func (t fileTarget) validate() error {
	if t.dest == "" {
		return errors.New("dest is empty")
	}
	_, err := parseMode(t.mode)
	return err
}

// describe says what writing content of the given description to the
// target would do, e.g. "copy 12 bytes to /etc/motd (0644)".
func (t fileTarget) describe(what string) string {
	s := fmt.Sprintf("%s to %s (%s", what, t.dest, t.mode)
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

// write uploads content to the target on env's host. The transport leaves
// a file that already has this content and mode alone and reports it
// unchanged.
func (t fileTarget) write(ctx context.Context, env *engine.Env, content []byte) (engine.Result, error) {
	mode, err := parseMode(t.mode)
	if err != nil {
		return engine.Result{}, err
	}
	f := transport.File{Path: t.dest, Content: content, Mode: mode, Owner: t.owner, Group: t.group, Follow: t.follow}
	changed, err := env.Host.Upload(ctx, f)
	if errors.Is(err, transport.ErrSymlink) {
		return engine.Result{}, fmt.Errorf("write %s on %s: %w; set follow = true to write to the file it points to", t.dest, env.HostName, err)
	}
	if err != nil {
		return engine.Result{}, fmt.Errorf("write %s on %s: %w", t.dest, env.HostName, err)
	}
	sum := sha256.Sum256(content)
	out := FileOutputs{Dest: t.dest, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content)), Changed: changed}
	return engine.Result{Changed: changed, Outputs: out}, nil
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

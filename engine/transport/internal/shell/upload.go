package shell

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
)

// statScript prints, for the regular file $1, its octal mode, owner and
// group on one line and its SHA-256 on the next, or "absent".
const statScript = `if [ -f "$1" ]; then stat -c '%a %U %G' -- "$1" && sha256sum < "$1"; else echo absent; fi`

// installScript writes its standard input to a temporary name beside $1,
// flushes it to disk, gives it mode $2, owner $3 and group $4 (when set)
// and renames it over $1. A failure removes the temporary file and leaves
// $1 as it was.
const installScript = `set -e
umask 077
t="$(dirname -- "$1")/.$(basename -- "$1").runbook-$$"
trap 'rm -f -- "$t"' EXIT
dd of="$t" bs=65536 conv=fsync 2>/dev/null
chmod "$2" -- "$t"
if [ -n "$3" ]; then chown -- "$3" "$t"; fi
if [ -n "$4" ]; then chgrp -- "$4" "$t"; fi
mv -fT -- "$t" "$1"
trap - EXIT`

// StatArgv returns the command that describes the file at path; parse its
// output with ParseStat.
func StatArgv(path string) []string {
	return []string{"/bin/sh", "-c", statScript, "sh", path}
}

// InstallArgv returns the command that atomically replaces path with its
// standard input, with the given mode and, when set, owner and group.
func InstallArgv(path string, mode fs.FileMode, owner, group string) []string {
	return []string{"/bin/sh", "-c", installScript, "sh", path, ModeString(mode), owner, group}
}

// FileMode returns the mode to give a file: mode, or 0644 when it is zero.
func FileMode(mode fs.FileMode) fs.FileMode {
	if mode == 0 {
		return 0o644
	}
	return mode
}

// ModeString returns the permission bits of mode in octal, as chmod and
// stat -c %a write them.
func ModeString(mode fs.FileMode) string {
	return fmt.Sprintf("%o", mode.Perm())
}

// FileState is what is known of an existing file.
type FileState struct {
	Exists bool
	Mode   string // octal permission bits
	Owner  string
	Group  string
	SHA256 string // hex
}

// ParseStat reads the output of the StatArgv command.
func ParseStat(out []byte) (FileState, error) {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) == 1 && lines[0] == "absent" {
		return FileState{}, nil
	}
	if len(lines) != 2 {
		return FileState{}, fmt.Errorf("unexpected file description %q", out)
	}
	attrs := strings.Fields(lines[0])
	sum := strings.Fields(lines[1])
	if len(attrs) != 3 || len(sum) == 0 {
		return FileState{}, fmt.Errorf("unexpected file description %q", out)
	}
	return FileState{Exists: true, Mode: attrs[0], Owner: attrs[1], Group: attrs[2], SHA256: sum[0]}, nil
}

// Matches reports whether the file already holds content with mode and,
// when they are set, owner and group, so that writing it would change
// nothing.
func (s FileState) Matches(content []byte, mode fs.FileMode, owner, group string) bool {
	sum := sha256.Sum256(content)
	return s.Exists && s.SHA256 == hex.EncodeToString(sum[:]) && s.Mode == ModeString(mode) &&
		(owner == "" || owner == s.Owner) && (group == "" || group == s.Group)
}

// RunFunc runs argv on a host with stdin as its input (through sudo when
// the caller's upload asked for it) and returns what it wrote and whether
// it exited with status 0.
type RunFunc func(ctx context.Context, argv []string, stdin []byte) (stdout, stderr []byte, ok bool, err error)

// State describes the file at path through a command run by run.
func State(ctx context.Context, run RunFunc, path string) (FileState, error) {
	out, errOut, ok, err := run(ctx, StatArgv(path), nil)
	if err != nil {
		return FileState{}, err
	}
	if !ok {
		return FileState{}, fmt.Errorf("read state of %s: %s", path, strings.TrimSpace(string(errOut)))
	}
	state, err := ParseStat(out)
	if err != nil {
		return FileState{}, fmt.Errorf("read state of %s: %w", path, err)
	}
	return state, nil
}

// Install writes content to path through commands run by run: it reads
// the file's state first and writes nothing when it already matches. It
// serves uploads that need sudo, where the file must be read and written
// by another user than the one connected.
func Install(ctx context.Context, run RunFunc, path string, content []byte, mode fs.FileMode, owner, group string) (changed bool, err error) {
	state, err := State(ctx, run, path)
	if err != nil {
		return false, err
	}
	if state.Matches(content, mode, owner, group) {
		return false, nil
	}
	_, errOut, ok, err := run(ctx, InstallArgv(path, mode, owner, group), content)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, fmt.Errorf("write %s: %s", path, strings.TrimSpace(string(errOut)))
	}
	return true, nil
}

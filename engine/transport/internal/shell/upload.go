package shell

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"syscall"
)

// statScript prints, for the regular file $1, its octal mode, owner and
// group on one line and its SHA-256 on the next, or "absent".
const statScript = `if [ -f "$1" ]; then stat -c '%a %U %G' -- "$1" && sha256sum < "$1"; else echo absent; fi`

// installScript writes its standard input to a temporary name beside $1,
// flushes it to disk, gives it mode $2, owner $3 and group $4 (when set)
// and renames it over $1. It first removes the temporary files earlier
// uploads to $1 left behind (named as IsTemp says). A failure removes the
// temporary file, leaves $1 as it was, and prints "exit N" on standard
// output, N being the script's status; dd's own messages reach standard
// error.
const installScript = `set -e
umask 077
p="$(dirname -- "$1")/.$(basename -- "$1")` + tempMark + `"
for s in "$p"*; do
  case "${s#"$p"}" in ''|*[!0-9a-f]*) ;; *) rm -f -- "$s" || : ;; esac
done
t="$p$$"
trap 's=$?; rm -f -- "$t"; echo "exit $s"' EXIT
dd of="$t" bs=65536 conv=fsync status=none
chmod "$2" -- "$t"
if [ -n "$3" ]; then chown -- "$3" "$t"; fi
if [ -n "$4" ]; then chgrp -- "$4" "$t"; fi
mv -fT -- "$t" "$1"
trap - EXIT`

// tempMark follows the destination's name in the names of the temporary
// files uploads write beside it.
const tempMark = ".runbook-"

// TempPrefix returns the path that every temporary file of an upload to
// dest begins with: ".NAME.runbook-" in dest's directory, NAME being the
// base name of dest. The rest of a temporary file's name is lower-case
// hexadecimal digits.
func TempPrefix(dest string) string {
	return path.Join(path.Dir(dest), "."+path.Base(dest)+tempMark)
}

// IsTemp reports whether name, an entry of dest's directory, is a
// temporary file of an upload to dest: ".NAME.runbook-" followed by
// lower-case hexadecimal digits and nothing else.
func IsTemp(dest, name string) bool {
	rest, ok := strings.CutPrefix(name, "."+path.Base(dest)+tempMark)
	return ok && rest != "" && strings.Trim(rest, "0123456789abcdef") == ""
}

// StaleTemps returns, sorted, the paths of the temporary files of uploads
// to dest among entries, the entries of dest's directory. An upload cut
// off by a crash leaves its temporary file behind; the next upload to the
// same destination removes these before writing its own. An upload still
// running to the same destination from elsewhere then fails at its rename
// and leaves the destination whole.
func StaleTemps[E interface{ Name() string }](dest string, entries []E) []string {
	var stale []string
	for _, e := range entries {
		if IsTemp(dest, e.Name()) {
			stale = append(stale, path.Join(path.Dir(dest), e.Name()))
		}
	}
	slices.Sort(stale)
	return stale
}

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
		return FileState{}, fmt.Errorf("read state of %s: %w", path, failure(out, errOut))
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
	out, errOut, ok, err := run(ctx, InstallArgv(path, mode, owner, group), content)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, fmt.Errorf("write %s: %w", path, failure(out, errOut))
	}
	return true, nil
}

// failure describes why a command exited with a non-zero status: by what
// it wrote to standard error or, when that is empty, by the status the
// install script reports on standard output. A message saying that the
// disk is full wraps syscall.ENOSPC, so that errors.Is finds it.
func failure(stdout, stderr []byte) error {
	msg := strings.TrimSpace(string(stderr))
	if msg == "" {
		msg = "failed without a message"
		lines := strings.Split(strings.TrimSpace(string(stdout)), "\n")
		if code, ok := strings.CutPrefix(lines[len(lines)-1], "exit "); ok {
			msg = "exited with code " + code
		}
	}
	if strings.Contains(strings.ToLower(msg), syscall.ENOSPC.Error()) {
		return &errnoError{msg: msg, errno: syscall.ENOSPC}
	}
	return errors.New(msg)
}

// errnoError is a command's message that tells of errno.
type errnoError struct {
	msg   string
	errno syscall.Errno
}

// Error returns the command's message.
func (e *errnoError) Error() string { return e.msg }

// Unwrap returns the errno the message tells of.
func (e *errnoError) Unwrap() error { return e.errno }

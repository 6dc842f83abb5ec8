package shell

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"syscall"
)

// statScript prints, for the regular file $1, its octal mode, owner and
// group on one line and its SHA-256 on the next; "link" when $1 is a
// symbolic link, which it does not follow; or "absent".
const statScript = `if [ -L "$1" ]; then echo link
elif [ -f "$1" ]; then stat -c '%a %U %G' -- "$1" && sha256sum < "$1"
else echo absent; fi`

// resolveScript prints the path $1 names once every symbolic link in it
// is followed.
const resolveScript = `readlink -f -- "$1"`

// enterScript enters the directory $1 one name at a time, so that no
// symbolic link another user plants in its path leads there elsewhere: a
// directory entered must have the one just left as its parent, and a
// link is followed only when it and the directory holding it can be
// changed by root and the effective user alone (trusted says so; its
// target is then walked the same way, 40 links at most). Any other link,
// a name that does not exist and one that cannot be entered fail, under
// set -e, with one message on standard error.
const enterScript = `me=$(id -u)
trusted() {
  set -- "$(stat -c %u -- "$1")" $(stat -c '%u %A' .)
  case $1 in 0|"$me") ;; *) return 1 ;; esac
  case $2 in 0|"$me") ;; *) return 1 ;; esac
  case $3 in ?????w*|????????w*) return 1 ;; esac
}
case $1 in /*) cd / ;; esac
rest=$1 links=0
while [ -n "$rest" ]; do
  c=${rest%%/*}
  case $rest in */*) rest=${rest#*/} ;; *) rest= ;; esac
  case $c in ''|.) continue ;; ..) cd -P ..; continue ;; esac
  if [ -L "$c" ]; then
    links=$((links+1))
    if ! trusted "$c" || [ $links -gt 40 ]; then
      echo "$1 passes through the symbolic link $(pwd -P)/$c, which a user other than $(id -un) can change; set follow = true to trust it" >&2
      exit 1
    fi
    t=$(readlink -- "$c")
    case $t in /*) cd / ;; esac
    rest=$t/$rest
    continue
  fi
  up=$(stat -c %d:%i .)
  if [ ! -e "$c" ]; then
    d=$(pwd -P)
    echo "${d%/}/$c does not exist, on the way to $1" >&2
    exit 1
  fi
  if ! cd -P -- "$c" 2>/dev/null; then
    d=$(pwd -P)
    echo "cannot enter ${d%/}/$c on the way to $1: it is not a directory, or not one this user may enter" >&2
    exit 1
  fi
  if [ "$(stat -c %d:%i ..)" != "$up" ]; then
    echo "$1 changed while it was entered: another user replaced $c" >&2
    exit 1
  fi
done`

// physicalDirScript enters the directory $1 as enterScript does and
// prints its path without links.
const physicalDirScript = "set -e\nunset CDPATH\n" + enterScript + "\npwd -P"

// installScript writes its standard input to the file $2 of the
// directory $1, with mode $4, owner $5 and group $6 (when set), so that
// no symbolic link or other entry another user plants in $1 is ever
// followed, even by a root shell:
//
//   - it enters $1 (see enterScript) and refuses a destination that is a
//     symbolic link, printing "link";
//   - it removes the temporary entries earlier uploads to $2 left in $1
//     (named as IsTemp says; rm -r never follows links);
//   - it creates, with mkdir (atomic, never following a link), a private
//     directory .NAME.runbook-$3 in $1, $3 being random hexadecimal
//     digits chosen by the caller, and enters it;
//   - it checks that the directory it entered is the one it made: owned
//     by the effective user, mode 0700, empty, and with $1 (by device
//     and inode) as its parent; no other user can then add, rename or
//     replace its entries;
//   - it reads the SHA-256 of the content, in hexadecimal, from the
//     first line of its standard input, and writes the rest to a file of
//     that directory, flushed to disk (dd without status=none, which
//     coreutils before 8.20 lack; its statistics are dropped from its
//     messages);
//   - it checks the file's SHA-256 against the one it read, so that a
//     stream cut short is never installed, sets the file's mode, owner
//     and group there, and renames it over ../$2, which replaces rather
//     than follows a link planted there since;
//   - it removes the private directory.
//
// It enters $1 as enterScript does, so that no link another user plants
// in the directory's path leads the write elsewhere.
//
// A failure removes what it made, leaves the destination as it was, and
// prints "exit N" on standard output, N being the script's status; the
// commands' own messages reach standard error.
const installScript = `set -e
umask 077
unset CDPATH
` + enterScript + `
if [ -L "$2" ]; then echo link; exit 1; fi
top=$(stat -c %d:%i .)
p=".$2` + tempMark + `"
for s in "$p"*; do
  case "${s#"$p"}" in ''|*[!0-9a-f]*) ;; *) rm -rf -- "$s" || : ;; esac
done
t="$p$3"
at=top
trap 's=$?; case $at in top) rm -rf -- "$t" ;; own) cd .. && rm -rf -- "$t" ;; esac; echo "exit $s"' EXIT
mkdir -- "$t"
at=
cd -- "$t"
if [ "$(stat -c '%u %a' .) $(stat -c %d:%i ..) $(ls -A)" != "$(id -u) 700 $top " ]; then
  echo "$1/$t is not the private directory this upload made; another user changed $1 meanwhile" >&2
  exit 1
fi
at=own
IFS= read -r sum
if ! msg=$(dd of="$3" bs=65536 conv=fsync 2>&1); then
  printf '%s\n' "$msg" | sed -e '/ records in$/d' -e '/ records out$/d' -e '/ copied, /d' >&2
  exit 1
fi
got=$(sha256sum < "$3")
if [ "${got%% *}" != "$sum" ]; then
  echo "$1/$t/$3 does not hold the content sent (SHA-256 ${got%% *}, not $sum): the transfer was cut short" >&2
  exit 1
fi
chmod "$4" -- "$3"
if [ -n "$5" ]; then chown -- "$5" "$3"; fi
if [ -n "$6" ]; then chgrp -- "$6" "$3"; fi
mv -fT -- "$3" "../$2"
cd ..
at=top
rmdir -- "$t" || :
trap - EXIT`

// tempMark follows the destination's name in the names of the temporary
// files and directories uploads make beside it.
const tempMark = ".runbook-"

// TempPrefix returns the path that every temporary entry of an upload to
// dest begins with: ".NAME.runbook-" in dest's directory, NAME being the
// base name of dest. The rest of a temporary entry's name is lower-case
// hexadecimal digits. Uploads by SFTP write a temporary file of such a
// name, uploads through sudo a private directory (see InstallArgv); both
// sweep the entries that IsTemp matches.
func TempPrefix(dest string) string {
	return path.Join(path.Dir(dest), "."+path.Base(dest)+tempMark)
}

// TempName returns a new temporary name for an upload to dest: TempPrefix
// followed by 16 random hexadecimal digits, drawn from crypto/rand so
// that no other user of the host can guess it.
func TempName(dest string) string {
	return TempPrefix(dest) + randomHex()
}

// randomHex returns 16 random lower-case hexadecimal digits.
func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// IsTemp reports whether name, an entry of dest's directory, is a
// temporary entry of an upload to dest: ".NAME.runbook-" followed by
// lower-case hexadecimal digits and nothing else.
func IsTemp(dest, name string) bool {
	rest, ok := strings.CutPrefix(name, "."+path.Base(dest)+tempMark)
	return ok && rest != "" && strings.Trim(rest, "0123456789abcdef") == ""
}

// StaleTemps returns, sorted, the paths of the temporary entries of
// uploads to dest among entries, the entries of dest's directory. An
// upload cut off by a crash leaves its temporary entry behind; the next
// upload to the same destination removes these before writing its own.
// An upload still running to the same destination from elsewhere then
// fails at its rename and leaves the destination whole.
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

// ResolveArgv returns the command that prints what path names once
// every symbolic link in it is followed; its output is that path and a
// newline.
func ResolveArgv(path string) []string {
	return []string{"/bin/sh", "-c", resolveScript, "sh", path}
}

// InstallArgv returns the command that atomically replaces dest.Path with
// its standard input, with dest's mode and, when set, owner and group,
// following no symbolic link (see installScript). Its input is what
// InstallInput returns. Its private directory gets a new random name.
func InstallArgv(dest Dest) []string {
	return []string{"/bin/sh", "-c", installScript, "sh", path.Dir(dest.Path), path.Base(dest.Path), randomHex(),
		ModeString(FileMode(dest.Mode)), dest.Owner, dest.Group}
}

// InstallInput returns the standard input of the InstallArgv command
// that writes content: the SHA-256 of content, which the command checks
// before it renames the file into place, on a line of its own, and then
// content.
func InstallInput(content []byte) io.Reader {
	sum := sha256.Sum256(content)
	return io.MultiReader(strings.NewReader(hex.EncodeToString(sum[:])+"\n"), bytes.NewReader(content))
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

// Dest is where and how an upload writes a file.
type Dest struct {
	// Path is the destination path on the host.
	Path string
	// Mode is the permission bits of the file; zero means 0644.
	Mode fs.FileMode
	// Owner and Group, when set, are applied to the file by name.
	Owner, Group string
	// Follow, when set, writes to the file a symbolic link at Path points
	// to; otherwise such a link is refused with ErrSymlink.
	Follow bool
}

// ErrSymlink means the destination of an upload is a symbolic link and
// the upload was not asked to follow it.
var ErrSymlink = errors.New("destination is a symbolic link")

// FileState is what is known of an existing file.
type FileState struct {
	Exists bool
	Link   bool   // a symbolic link, not followed; the other fields are empty
	Mode   string // octal permission bits
	Owner  string
	Group  string
	SHA256 string // hex
}

// ParseStat reads the output of the StatArgv command.
func ParseStat(out []byte) (FileState, error) {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	switch {
	case len(lines) == 1 && lines[0] == "absent":
		return FileState{}, nil
	case len(lines) == 1 && lines[0] == "link":
		return FileState{Link: true}, nil
	}
	if len(lines) != 2 {
		return FileState{}, UnexpectedAnswer("the description of the file", out)
	}
	attrs := strings.Fields(lines[0])
	sum := strings.Fields(lines[1])
	if len(attrs) != 3 || len(sum) == 0 {
		return FileState{}, UnexpectedAnswer("the description of the file", out)
	}
	return FileState{Exists: true, Mode: attrs[0], Owner: attrs[1], Group: attrs[2], SHA256: sum[0]}, nil
}

// maxQuotedAnswer bounds how much of an unexpected answer of a host an
// error quotes.
const maxQuotedAnswer = 512

// UnexpectedAnswer is the error about out, what a host answered to a
// command that reads the state of something on it, when that is not
// such a state: it quotes out and says what usually causes it, a login
// shell that prints text of its own before every command. what names
// what was asked for, such as "the description of the file".
func UnexpectedAnswer(what string, out []byte) error {
	if len(out) > maxQuotedAnswer {
		out = append(out[:maxQuotedAnswer:maxQuotedAnswer], "…"...)
	}
	return fmt.Errorf("the host answered %q, not %s that was asked for: "+
		"a login shell that prints text of its own (a banner, or a start-up file such as ~/.bashrc that writes to its output) "+
		"puts it before the output of every command; make the logins of the host's user print nothing", out, what)
}

// Matches reports whether the file already holds content with mode and,
// when they are set, owner and group, so that writing it would change
// nothing.
func (s FileState) Matches(content []byte, mode fs.FileMode, owner, group string) bool {
	sum := sha256.Sum256(content)
	return s.Exists && s.SHA256 == hex.EncodeToString(sum[:]) && s.Mode == ModeString(mode) &&
		(owner == "" || owner == s.Owner) && (group == "" || group == s.Group)
}

// RunFunc runs argv on a host with stdin, when not nil, as its input
// (through sudo when the caller's upload asked for it) and returns what it
// wrote and whether it exited with status 0.
type RunFunc func(ctx context.Context, argv []string, stdin io.Reader) (stdout, stderr []byte, ok bool, err error)

// PhysicalDir returns the path of the directory dir without symbolic
// links, through a command run by run, and fails when the way there
// passes through a link another user could change (see enterScript).
func PhysicalDir(ctx context.Context, run RunFunc, dir string) (string, error) {
	out, errOut, ok, err := run(ctx, []string{"/bin/sh", "-c", physicalDirScript, "sh", dir}, nil)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", failure(out, errOut)
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

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

// Target returns the path an upload to dest writes and the state of the
// file there, read through commands run by run: dest.Path itself or,
// when dest.Follow is set, the path it resolves to once every symbolic
// link in it (the destination's own, or one of its directories) is
// followed. A link at dest.Path that is not to be followed is
// ErrSymlink.
func Target(ctx context.Context, run RunFunc, dest Dest) (string, FileState, error) {
	if name := path.Base(dest.Path); name == "/" || name == "." || name == ".." || strings.HasSuffix(dest.Path, "/") {
		return "", FileState{}, fmt.Errorf("%s does not name a file", dest.Path)
	}
	state, err := State(ctx, run, dest.Path)
	switch {
	case err != nil || (!state.Link && !dest.Follow):
		return dest.Path, state, err
	case !dest.Follow:
		return "", FileState{}, fmt.Errorf("%s: %w", dest.Path, ErrSymlink)
	}
	out, errOut, ok, err := run(ctx, ResolveArgv(dest.Path), nil)
	if err != nil {
		return "", FileState{}, err
	}
	resolved := strings.TrimSuffix(string(out), "\n")
	if !ok || resolved == "" {
		return "", FileState{}, fmt.Errorf("resolve the symbolic links of %s: %w", dest.Path, failure(out, errOut))
	}
	if state, err = State(ctx, run, resolved); err == nil && state.Link {
		err = fmt.Errorf("%s, resolved from %s: %w", resolved, dest.Path, ErrSymlink)
	}
	return resolved, state, err
}

// Install writes content to dest through commands run by run: it reads
// the state of the file first (see Target) and writes nothing when it
// already matches. It serves uploads that need sudo, where the file must
// be read and written by another user than the one connected, so it
// follows no link another user of the host may plant (see installScript).
func Install(ctx context.Context, run RunFunc, dest Dest, content []byte) (changed bool, err error) {
	p, state, err := Target(ctx, run, dest)
	if err != nil {
		return false, err
	}
	mode := FileMode(dest.Mode)
	if state.Matches(content, mode, dest.Owner, dest.Group) {
		return false, nil
	}
	dest.Path = p
	out, errOut, ok, err := run(ctx, InstallArgv(dest), InstallInput(content))
	switch {
	case err != nil:
		return false, err
	case !ok && strings.TrimSpace(string(out)) == "link":
		return false, fmt.Errorf("%s: %w", p, ErrSymlink)
	case !ok:
		return false, fmt.Errorf("write %s: %w", p, failure(out, errOut))
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

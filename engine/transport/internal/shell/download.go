package shell

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// sendScript writes the regular file $1 to standard output, for a
// transport that has no file transfer of its own. It opens the file
// once, following symbolic links as an open does, and reads everything
// else through that descriptor: the mode and size from the open file
// (stat -L of /dev/fd/3 describes it even once renamed), then exactly
// that many bytes, so that a file that grows meanwhile, such as a log,
// is sent as it was when opened. Its last line on standard error is the
// file's octal mode, its size and the SHA-256 of those bytes, read again
// from the file (see ParseSent); a reader compares it with what reached
// it.
const sendScript = `if [ ! -e "$1" ]; then echo "$1: no such file" >&2; exit 1; fi
exec 3<"$1"
if [ ! -f /dev/fd/3 ]; then echo "$1: not a regular file" >&2; exit 1; fi
set -- $(stat -L -c '%a %s' /dev/fd/3)
head -c "$2" <&3
sum=$(head -c "$2" /dev/fd/3 | sha256sum)
printf '%s %s %s\n' "$1" "$2" "$sum" >&2`

// SendArgv returns the command that writes the file at path to its
// standard output; read what it says of the file with ParseSent.
func SendArgv(path string) []string {
	return []string{"/bin/sh", "-c", sendScript, "sh", path}
}

// Sent is what the SendArgv command says of the file it sent.
type Sent struct {
	Mode   fs.FileMode // permission bits, with setuid, setgid and sticky
	Size   int64
	SHA256 string // hex
}

// ParseSent reads what the SendArgv command says of the file it sent:
// the last line of its standard error.
func ParseSent(stderr []byte) (Sent, error) {
	lines := bytes.Split(bytes.TrimSpace(stderr), []byte("\n"))
	f := strings.Fields(string(lines[len(lines)-1]))
	if len(f) < 3 {
		return Sent{}, fmt.Errorf("unexpected file description %q", stderr)
	}
	bits, err1 := strconv.ParseUint(f[0], 8, 32)
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return Sent{}, fmt.Errorf("unexpected file description %q: %w", stderr, err)
	}
	mode := fs.FileMode(bits).Perm()
	for bit, m := range map[uint64]fs.FileMode{0o4000: fs.ModeSetuid, 0o2000: fs.ModeSetgid, 0o1000: fs.ModeSticky} {
		if bits&bit != 0 {
			mode |= m
		}
	}
	return Sent{Mode: mode, Size: size, SHA256: f[2]}, nil
}

// Verify fails unless n bytes with the SHA-256 sum (in hex) are what the
// command sent: a stream cut short, or altered on its way (by a login
// shell that prints to standard output, say), is not the file.
func (s Sent) Verify(n int64, sum string) error {
	if n != s.Size || sum != s.SHA256 {
		return fmt.Errorf("received %d bytes with SHA-256 %s, but the host sent %d with %s", n, sum, s.Size, s.SHA256)
	}
	return nil
}

// SendFailure describes why the SendArgv command failed, by what it
// wrote to standard error.
func SendFailure(stderr []byte) error { return failure(nil, stderr) }

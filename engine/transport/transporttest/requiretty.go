package transporttest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// NewHostAs returns a fresh Host that logs in as user; the suite closes
// it.
type NewHostAs func(t *testing.T, user string) transport.Host

// requireTTY is the sudoers Defaults of the users of RunRequireTTY: sudo
// refuses to run without a terminal, as CentOS 7 before 7.3 ships it,
// and asks for the password every time.
const requireTTY = "requiretty,timestamp_timeout=0"

// RunRequireTTY runs the conformance tests of sudo on a host whose
// sudoers says `Defaults requiretty` for the user logging in: commands,
// their input, uploads and downloads, cancellation, and a sudo password,
// right and wrong, that appears in no output. It creates the users, with
// a sudoers drop-in each, and removes them when the test ends.
func RunRequireTTY(t *testing.T, newHost NewHostAs) {
	tests := []struct {
		name     string
		password bool // the user's sudo asks for its password
		fn       func(*testing.T, transport.Host, *transport.Sudo)
	}{
		{"Command", false, testTTYCommand},
		{"CommandWithPassword", true, testTTYCommand},
		{"StdinExact", false, testTTYStdin},
		{"StdinExactWithPassword", true, testTTYStdin},
		{"Upload", false, testTTYUpload},
		{"UploadWithPassword", true, testTTYUpload},
		{"Download", false, testTTYDownload},
		{"WrongPassword", true, testTTYWrongPassword},
		{"CancelEndsProcesses", false, testTTYCancel},
		{"CancelWithPasswordEndsProcesses", true, testTTYCancel},
		{"TimeoutEndsProcesses", false, testTTYTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tags := "NOPASSWD:"
			if tc.password {
				tags = ""
			}
			u := sshdtest.NewSudoUserWith(t, requireTTY, tags)
			h := newHost(t, u.Name)
			t.Cleanup(func() { h.Close() })
			sudo := &transport.Sudo{}
			if tc.password {
				sudo.Password = u.Password
			}
			tc.fn(t, h, sudo)
		})
	}
}

// noPassword fails the test when the sudo password is in res or err.
func noPassword(t *testing.T, sudo *transport.Sudo, res transport.Result, err error) {
	t.Helper()
	if sudo.Password == "" {
		return
	}
	if bytes.Contains(res.Stdout, []byte(sudo.Password)) || bytes.Contains(res.Stderr, []byte(sudo.Password)) ||
		(err != nil && strings.Contains(err.Error(), sudo.Password)) {
		t.Fatalf("the sudo password shows: stdout %q, stderr %q, error %v", res.Stdout, res.Stderr, err)
	}
}

// testTTYCommand runs a command that writes to both streams and exits
// non-zero, with an environment and a directory, as root and as another
// user, and checks that the streams stay apart.
func testTTYCommand(t *testing.T, h transport.Host, sudo *transport.Sudo) {
	res, err := h.Run(context.Background(), transport.Command{
		Script: `id -u; printf '%s\n' "$RB_V"; pwd; echo to-stderr >&2; printf 'no newline'; exit 3`,
		Env:    map[string]string{"RB_V": "v'1 $HOME"},
		Dir:    "/",
		Sudo:   sudo,
	})
	noPassword(t, sudo, res, err)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if res.ExitCode != 3 || string(res.Stdout) != "0\nv'1 $HOME\n/\nno newline" || string(res.Stderr) != "to-stderr\n" {
		t.Fatalf("got exit %d stdout %q stderr %q; want exit 3, stdout %q, stderr %q",
			res.ExitCode, res.Stdout, res.Stderr, "0\nv'1 $HOME\n/\nno newline", "to-stderr\n")
	}
	other := *sudo
	other.User = "nobody"
	res, err = h.Run(context.Background(), transport.Command{Args: []string{"id", "-un"}, Sudo: &other})
	noPassword(t, sudo, res, err)
	if err != nil {
		t.Fatalf("run as nobody: %v", err)
	}
	wantOutput(t, res, "nobody\n", "")
}

// ttyInput is input that a terminal would interpret or mangle: every
// byte value, the characters that interrupt, end, suspend or stop
// (^C, ^D, ^Z, ^S, ^Q, ^\), a carriage return and a DEL, and no newline at
// the end.
var ttyInput = func() []byte {
	var b []byte
	for i := range 256 {
		b = append(b, byte(i))
	}
	return append(b, []byte("line\r\n\x03\x04\x1a\x13\x11\x1c\x7f\x15\x17\x0d\x03end")...)
}()

// testTTYStdin passes input through sudo to cat and checks that it
// comes back exactly, byte for byte.
func testTTYStdin(t *testing.T, h transport.Host, sudo *transport.Sudo) {
	for _, input := range [][]byte{ttyInput, bytes.Repeat(ttyInput, 1000)} {
		res, err := h.Run(context.Background(), transport.Command{Args: []string{"cat"}, Stdin: bytes.NewReader(input), Sudo: sudo})
		noPassword(t, sudo, res, err)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if !res.OK() || !bytes.Equal(res.Stdout, input) || len(res.Stderr) != 0 {
			t.Fatalf("cat of %d bytes: exit %d, %d bytes out (first differing at %d), stderr %q",
				len(input), res.ExitCode, len(res.Stdout), firstDifference(res.Stdout, input), res.Stderr)
		}
	}
}

// firstDifference returns the index of the first byte at which a and b
// differ, or the length of the shorter one.
func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// testTTYUpload uploads binary content through sudo to a directory only
// root can write, then again unchanged.
func testTTYUpload(t *testing.T, h transport.Host, sudo *transport.Sudo) {
	dir := t.TempDir()
	path := filepath.Join(dir, "conf")
	f := transport.File{Path: path, Content: ttyInput, Mode: 0o640, Sudo: sudo}
	upload(t, h, f, true)
	wantFile(t, path, ttyInput, 0o640)
	upload(t, h, f, false)
	wantOnly(t, dir, "conf")
}

// testTTYDownload downloads a file the user can read from a host where
// it may use sudo only with a terminal.
func testTTYDownload(t *testing.T, h transport.Host, _ *transport.Sudo) {
	dir, err := os.MkdirTemp("", "runbook-tty-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "data")
	if err := os.WriteFile(path, ttyInput, 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if mode, err := h.Download(context.Background(), path, &buf); err != nil || !bytes.Equal(buf.Bytes(), ttyInput) || mode != 0o644 {
		t.Fatalf("download: %d bytes, mode %v, %v; want %d bytes, mode 0644", buf.Len(), mode, err, len(ttyInput))
	}
}

// testTTYWrongPassword gives sudo a wrong password: the command fails
// saying that sudo rejected it, without naming it, and does not run.
func testTTYWrongPassword(t *testing.T, h transport.Host, _ *transport.Sudo) {
	wrong := &transport.Sudo{Password: fmt.Sprintf("wrong-%x", rand.Uint64())}
	mark := filepath.Join(t.TempDir(), "ran")
	res, err := h.Run(context.Background(), transport.Command{Args: []string{"touch", mark}, Stdin: strings.NewReader("never read\n"), Sudo: wrong})
	noPassword(t, wrong, res, err)
	if err == nil || !strings.Contains(err.Error(), "sudo rejected the password") {
		t.Fatalf("run with a wrong password: %v, want sudo rejected the password", err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the command ran after sudo rejected the password")
	}
}

// testTTYCancel cancels a command run through sudo and checks that its
// processes on the host end.
func testTTYCancel(t *testing.T, h transport.Host, sudo *transport.Sudo) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runUntilEnded(t, h, ctx, cancel, sudo, context.Canceled)
}

// testTTYTimeout lets a command run through sudo time out and checks
// that its processes on the host end.
func testTTYTimeout(t *testing.T, h transport.Host, sudo *transport.Sudo) {
	ctx, expire := expiring()
	defer expire()
	runUntilEnded(t, h, ctx, expire, sudo, context.DeadlineExceeded)
}

package transport_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/testenv"
)

// TestLocalSudoPasswordNotAsked runs local commands and uploads as nobody
// with a sudo password that sudo does not ask root for: the command's
// input and environment and the file's content are exactly what was
// given, and the password is in none of them.
func TestLocalSudoPasswordNotAsked(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "this test needs root, whom sudo asks for no password")
	}
	testenv.Need(t, "sudo")
	h := transport.NewLocal()
	sudo := &transport.Sudo{User: "nobody", Password: fmt.Sprintf("pw-%x", rand.Uint64())}
	res, err := h.Run(context.Background(), transport.Command{
		Script: `id -un; printf '%s\n' "$RB_VALUE"; cat`,
		Env:    map[string]string{"RB_VALUE": "env value"},
		Stdin:  strings.NewReader("first line\n"),
		Sudo:   sudo,
	})
	if want := "nobody\nenv value\nfirst line\n"; err != nil || string(res.Stdout) != want {
		t.Fatalf("sudo command: %v, stdout %q, stderr %q; want %q", err, res.Stdout, res.Stderr, want)
	}
	dir, err := os.MkdirTemp("", "runbook-local-sudo-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "file")
	if _, err := h.Upload(context.Background(), transport.File{Path: dest, Content: []byte("exactly this\n"), Sudo: sudo}); err != nil {
		t.Fatalf("sudo upload: %v", err)
	}
	if got, err := os.ReadFile(dest); err != nil || string(got) != "exactly this\n" {
		t.Fatalf("the uploaded file holds %q (%v), want exactly the content", got, err)
	}
}

// TestLocalNULIsRefused gives local commands and paths a NUL byte: each
// fails with an error saying so, before anything runs.
func TestLocalNULIsRefused(t *testing.T) {
	h := transport.NewLocal()
	ctx := context.Background()
	mark := filepath.Join(t.TempDir(), "ran")
	upload := func(path string) error {
		_, err := h.Upload(ctx, transport.File{Path: path, Content: []byte("x")})
		return err
	}
	for _, tc := range []struct {
		what string
		err  error
	}{
		{"argument 1", runErr(h, transport.Command{Args: []string{"touch", mark + "\x00"}})},
		{"script", runErr(h, transport.Command{Script: "touch " + mark + "\x00"})},
		{"environment variable RB_X", runErr(h, transport.Command{Args: []string{"touch", mark}, Env: map[string]string{"RB_X": "\x00"}})},
		{"working directory", runErr(h, transport.Command{Args: []string{"touch", mark}, Dir: "/\x00"})},
		{"path", upload(mark + "\x00")},
		{"path", downloadErr(h, "/etc/hostname\x00")},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.what+" holds a NUL byte") {
			t.Errorf("got %v, want an error saying %s holds a NUL byte", tc.err, tc.what)
		}
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("a command with a NUL byte ran")
	}
}

// runErr runs c on h and returns its error.
func runErr(h transport.Host, c transport.Command) error {
	_, err := h.Run(context.Background(), c)
	return err
}

// downloadErr returns the error of downloading path from h.
func downloadErr(h transport.Host, path string) error {
	_, err := h.Download(context.Background(), path, io.Discard)
	return err
}

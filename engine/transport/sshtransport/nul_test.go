package sshtransport

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// TestNULIsRefusedBeforeSending gives commands and file paths a NUL byte,
// which no command line, environment or path can carry (OpenSSH drops the
// whole connection when an exec request holds one). Each fails with an
// error that says so, nothing is sent, and the connection goes on serving
// the commands that follow.
func TestNULIsRefusedBeforeSending(t *testing.T) {
	p, h := proxiedHost(t)
	ctx := context.Background()
	mustRunScript(t, h, "true")
	for _, tc := range []struct {
		name string
		do   func() error
		want string
	}{
		{"argv", func() error { return runErr(h, transport.Command{Args: []string{"echo", "a\x00b"}}) }, "argument 1"},
		{"script", func() error { return runErr(h, transport.Command{Script: "echo a\x00b"}) }, "script"},
		{"env value", func() error {
			return runErr(h, transport.Command{Args: []string{"true"}, Env: map[string]string{"RB_X": "a\x00b"}})
		}, "environment variable RB_X"},
		{"env name", func() error {
			return runErr(h, transport.Command{Args: []string{"true"}, Env: map[string]string{"RB\x00X": "a"}})
		}, "name of an environment variable"},
		{"dir", func() error { return runErr(h, transport.Command{Args: []string{"true"}, Dir: "/tmp\x00/x"}) }, "working directory"},
		{"sudo user", func() error {
			return runErr(h, transport.Command{Args: []string{"true"}, Sudo: &transport.Sudo{User: "ro\x00ot"}})
		}, "sudo user"},
		{"upload path", func() error {
			_, err := h.Upload(ctx, transport.File{Path: "/tmp/a\x00b", Content: []byte("x")})
			return err
		}, "path"},
		{"sudo upload path", func() error {
			_, err := h.Upload(ctx, transport.File{Path: "/tmp/a\x00b", Content: []byte("x"), Sudo: &transport.Sudo{}})
			return err
		}, "path"},
		{"upload owner", func() error {
			_, err := h.Upload(ctx, transport.File{Path: filepath.Join(t.TempDir(), "file"), Content: []byte("x"), Owner: "ro\x00ot"})
			return err
		}, "owner"},
		{"download path", func() error {
			_, err := h.Download(ctx, "/etc/hostname\x00.txt", io.Discard)
			return err
		}, "path"},
	} {
		err := tc.do()
		if err == nil || !strings.Contains(err.Error(), tc.want+" holds a NUL byte") {
			t.Errorf("%s: got %v, want an error saying %q holds a NUL byte", tc.name, err, tc.want)
		}
		mustRunScript(t, h, "true")
	}
	if n := p.accepted.Load(); n != 1 {
		t.Errorf("%d connections made, want 1: a NUL byte reached the server", n)
	}
}

// runErr runs c on h and returns its error.
func runErr(h transport.Host, c transport.Command) error {
	_, err := h.Run(context.Background(), c)
	return err
}

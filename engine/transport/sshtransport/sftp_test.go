package sshtransport

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// uploadWays are the three ways Upload writes a file: by SFTP, through
// sudo (root needs no password), and over an exec session to a server
// without the SFTP subsystem.
var uploadWays = []struct {
	name   string
	sudo   *transport.Sudo
	noSFTP bool
}{{"sftp", nil, false}, {"sudo", &transport.Sudo{}, false}, {"exec", nil, true}}

// names returns the names in dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestUploadOntoFullDisk(t *testing.T) {
	const size = 64 << 10
	for _, way := range uploadWays {
		t.Run(way.name, func(t *testing.T) {
			srv := sshdtest.Start(t, sshdtest.Options{TmpfsSize: size, NoSFTP: way.noSFTP})
			h := newHost(t, testConfig(srv))
			dest := filepath.Join(srv.Tmpfs, way.name+".txt")
			if err := os.WriteFile(srv.Path(dest), []byte("old\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := h.Upload(context.Background(), transport.File{Path: dest, Content: bytes.Repeat([]byte("x"), 4*size), Sudo: way.sudo})
			if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), dest) {
				t.Fatalf("upload bigger than the disk: %v, want ENOSPC naming %s", err, dest)
			}
			if way.name == "sftp" && !strings.Contains(err.Error(), "bytes free, 262144 needed") {
				t.Errorf("upload bigger than the disk: %v, want the free and needed space", err)
			}
			if b, err := os.ReadFile(srv.Path(dest)); err != nil || string(b) != "old\n" {
				t.Errorf("%s holds %q (%v) after the failed upload, want its old content", dest, b, err)
			}
			if got := names(t, srv.Path(srv.Tmpfs)); slices.ContainsFunc(got, func(n string) bool { return strings.HasPrefix(n, ".") }) {
				t.Errorf("the failed upload left %q", got)
			}
		})
	}
}

func TestUploadRemovesStaleTemps(t *testing.T) {
	for _, way := range uploadWays {
		t.Run(way.name, func(t *testing.T) {
			h := newHost(t, testConfig(sshdtest.Start(t, sshdtest.Options{NoSFTP: way.noSFTP})))
			dir := t.TempDir()
			for _, name := range []string{".f.runbook-0123abcd", ".f.runbook-4242", ".f.runbook-keep", ".g.runbook-00", "f"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("stale"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			// A stale link is removed, never followed.
			precious := filepath.Join(t.TempDir(), "precious")
			if err := os.WriteFile(precious, []byte("keep"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Dir(precious), filepath.Join(dir, ".f.runbook-beef")); err != nil {
				t.Fatal(err)
			}
			// A private directory of a crashed upload through a shell
			// is removed by the next one.
			if way.name != "sftp" {
				if err := os.MkdirAll(filepath.Join(dir, ".f.runbook-0a0a", "0a0a"), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := h.Upload(context.Background(), transport.File{Path: filepath.Join(dir, "f"), Content: []byte("new"), Sudo: way.sudo}); err != nil {
				t.Fatal(err)
			}
			want := []string{".f.runbook-keep", ".g.runbook-00", "f"}
			if got := names(t, dir); !slices.Equal(got, want) {
				t.Fatalf("after the upload the directory holds %q, want %q", got, want)
			}
			if b, err := os.ReadFile(precious); err != nil || string(b) != "keep" {
				t.Fatalf("the file behind a stale link holds %q (%v), want it kept", b, err)
			}
		})
	}
}

// TestConnectionLostDuringUpload cuts the connection while an upload
// writes, by SFTP and over an exec session to a server without SFTP: the
// upload fails as a lost connection and leaves the destination whole,
// and the next upload dials again and removes what the cut one left.
func TestConnectionLostDuringUpload(t *testing.T) {
	for _, way := range uploadWays {
		if way.sudo == nil {
			t.Run(way.name, func(t *testing.T) { connectionLostDuringUpload(t, way.noSFTP) })
		}
	}
}

// connectionLostDuringUpload is TestConnectionLostDuringUpload against a
// server with or without SFTP.
func connectionLostDuringUpload(t *testing.T, noSFTP bool) {
	srv := sshdtest.Start(t, sshdtest.Options{NoSFTP: noSFTP})
	p := startProxy(t, srv)
	h := newHost(t, p.config(t, srv))
	dir := t.TempDir()
	dest := filepath.Join(dir, "f")
	if err := os.WriteFile(dest, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		// Hold the upload's traffic back once it has begun to write, so
		// that it cannot finish, then cut the connection.
		for {
			select {
			case <-stop:
				return
			default:
			}
			if m, _ := filepath.Glob(filepath.Join(dir, ".f.runbook-*")); len(m) > 0 {
				p.freeze()
				p.cut()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	_, err := h.Upload(context.Background(), transport.File{Path: dest, Content: bytes.Repeat([]byte("new\n"), 16<<20)})
	if !errors.Is(err, transport.ErrConnectionLost) {
		t.Fatalf("upload over a cut connection: %v, want ErrConnectionLost", err)
	}
	if b, err := os.ReadFile(dest); err != nil || string(b) != "old\n" {
		t.Fatalf("%s holds %d bytes (%v) after the cut upload, want its old content", dest, len(b), err)
	}

	if _, err := h.Upload(context.Background(), transport.File{Path: dest, Content: []byte("new\n")}); err != nil {
		t.Fatalf("upload after the connection was lost: %v", err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"f"}) {
		t.Errorf("after the second upload the directory holds %q, want only f", got)
	}
	if n := p.accepted.Load(); n != 2 {
		t.Errorf("%d connections made, want 2", n)
	}
}

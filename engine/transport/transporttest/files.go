package transporttest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// upload uploads f and fails the test unless it reports changed as want.
func upload(t *testing.T, h transport.Host, f transport.File, want bool) {
	t.Helper()
	changed, err := h.Upload(context.Background(), f)
	if err != nil {
		t.Fatalf("upload %s: %v", f.Path, err)
	}
	if changed != want {
		t.Fatalf("upload %s reported changed %v, want %v", f.Path, changed, want)
	}
}

// wantFile fails the test unless path holds content with mode.
func wantFile(t *testing.T, path string, content []byte, mode fs.FileMode) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) || info.Mode().Perm() != mode {
		t.Fatalf("%s holds %q mode %o, want %q mode %o", path, got, info.Mode().Perm(), content, mode)
	}
}

// wantOnly fails the test unless dir holds exactly the named entry, so
// that no temporary file was left behind.
func wantOnly(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("%s holds %q, want only %q", dir, names, name)
	}
}

func testUpload(t *testing.T, h transport.Host) {
	for _, sudo := range []*transport.Sudo{nil, {}} {
		dir := t.TempDir()
		path := filepath.Join(dir, "conf")
		f := transport.File{Path: path, Content: []byte("one\n"), Mode: 0o640, Sudo: sudo}
		upload(t, h, f, true)
		wantFile(t, path, f.Content, 0o640)
		upload(t, h, f, false)
		f.Mode = 0o600
		upload(t, h, f, true)
		wantFile(t, path, f.Content, 0o600)
		f.Content = []byte("two\n")
		upload(t, h, f, true)
		wantFile(t, path, f.Content, 0o600)
		upload(t, h, transport.File{Path: path, Content: nil, Sudo: sudo}, true)
		wantFile(t, path, nil, 0o644)
		wantOnly(t, dir, "conf")
	}
}

func testUploadOwner(t *testing.T, h transport.Host) {
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	group, err := user.LookupGroupId(nobody.Gid)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "owned")
	f := transport.File{Path: path, Content: []byte("x"), Owner: "nobody", Group: group.Name, Sudo: &transport.Sudo{}}
	upload(t, h, f, true)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := info.Sys().(*syscall.Stat_t)
	if strconv.Itoa(int(st.Uid)) != nobody.Uid || strconv.Itoa(int(st.Gid)) != nobody.Gid {
		t.Fatalf("owner %d:%d, want %s:%s", st.Uid, st.Gid, nobody.Uid, nobody.Gid)
	}
	upload(t, h, f, false)
}

func testUploadFailure(t *testing.T, h transport.Host) {
	uploadFails(t, h, nil)
}

func testUploadSudoFailure(t *testing.T, h transport.Host) {
	uploadFails(t, h, &transport.Sudo{})
}

// uploadFails checks that an upload that cannot be completed (its owner
// does not exist) leaves the old file and no temporary file.
func uploadFails(t *testing.T, h transport.Host, sudo *transport.Sudo) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := transport.File{Path: path, Content: []byte("new"), Owner: "runbook-no-such-user", Sudo: sudo}
	if _, err := h.Upload(context.Background(), f); err == nil {
		t.Fatal("upload with an unknown owner succeeded")
	}
	wantFile(t, path, []byte("old"), 0o644)
	wantOnly(t, dir, "keep")
	_, err := h.Upload(context.Background(), transport.File{Path: filepath.Join(dir, "missing", "f"), Content: []byte("x"), Sudo: sudo})
	switch {
	case err == nil:
		t.Fatal("upload into a missing directory succeeded")
	case !strings.Contains(err.Error(), filepath.Join(dir, "missing")+" does not exist") || strings.Contains(err.Error(), "can't cd"):
		t.Errorf("upload into a missing directory: %v, want an error that says the directory does not exist, and nothing else", err)
	}
	wantOnly(t, dir, "keep")
}

// testUploadSymlink checks that an upload refuses a destination that is
// a symbolic link, leaving the link and its target alone, and that with
// Follow it writes the target and keeps the link.
func testUploadSymlink(t *testing.T, h transport.Host) {
	for _, sudo := range []*transport.Sudo{nil, {}} {
		targetDir, dir := t.TempDir(), t.TempDir()
		target, link := filepath.Join(targetDir, "target"), filepath.Join(dir, "link")
		if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		f := transport.File{Path: link, Content: []byte("new\n"), Mode: 0o640, Sudo: sudo}
		_, err := h.Upload(context.Background(), f)
		if !errors.Is(err, transport.ErrSymlink) || !strings.Contains(err.Error(), link) {
			t.Fatalf("upload to a symbolic link (sudo %v): %v, want ErrSymlink naming %s", sudo != nil, err, link)
		}
		wantLink(t, link, target)
		wantFile(t, target, []byte("old\n"), 0o600)

		f.Follow = true
		upload(t, h, f, true)
		wantLink(t, link, target)
		wantFile(t, target, f.Content, 0o640)
		upload(t, h, f, false)
		wantOnly(t, dir, "link")
		wantOnly(t, targetDir, "target")
	}
}

// wantLink fails the test unless path is a symbolic link to target.
func wantLink(t *testing.T, path, target string) {
	t.Helper()
	if got, err := os.Readlink(path); err != nil || got != target {
		t.Fatalf("%s links to %q (%v), want %s", path, got, err, target)
	}
}

func testDownload(t *testing.T, h transport.Host) {
	path := filepath.Join(t.TempDir(), "data")
	content := bytes.Repeat([]byte("data\n"), 100000)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mode, err := h.Download(context.Background(), path, &buf)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), content) || mode != 0o600 {
		t.Fatalf("downloaded %d bytes of mode %v, want %d of mode 0600", buf.Len(), mode, len(content))
	}
	if _, err := h.Download(context.Background(), path+".missing", &buf); err == nil {
		t.Fatal("download of a missing file succeeded")
	}
	if _, err := h.Download(context.Background(), filepath.Dir(path), &buf); err == nil {
		t.Fatal("download of a directory succeeded")
	}
}

// testDownloadModeAndLink checks that a download follows a symbolic link
// to the file and reports the file's mode with its setuid, setgid and
// sticky bits, and that an empty file comes as empty.
func testDownloadModeAndLink(t *testing.T, h transport.Host) {
	dir := t.TempDir()
	target, link, empty := filepath.Join(dir, "tool"), filepath.Join(dir, "link"), filepath.Join(dir, "empty")
	if err := os.WriteFile(target, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o750|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path    string
		content string
		mode    fs.FileMode
	}{
		{link, "#!/bin/sh\n", 0o750 | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky},
		{empty, "", 0o640},
	} {
		var buf bytes.Buffer
		mode, err := h.Download(context.Background(), tc.path, &buf)
		if err != nil || buf.String() != tc.content || mode != tc.mode {
			t.Errorf("download %s: %q mode %v (%v), want %q mode %v", tc.path, buf.String(), mode, err, tc.content, tc.mode)
		}
	}
}

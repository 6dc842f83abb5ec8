package sshtransport

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// plantLinks is what a local user who can write the destination's
// directory ($1) does to an upload of f there: at every name of f's
// temporary files it can guess (the next process ids) and at every such
// name it sees, it puts a symbolic link to a root-only file ($2); a
// directory at such a name it moves away and replaces with a link to a
// root-only directory ($3). It never touches f itself. It stops by
// itself once the test that started it is gone (its parent changed), so
// that a test killed mid-way leaves no loop behind.
const plantLinks = `cd "$1" || exit 1
p=$PPID
while read -r _ _ _ pp _ < /proc/$$/stat && [ "$pp" = "$p" ]; do
  read -r n < /proc/sys/kernel/ns_last_pid
  for i in 1 2 3 4 5 6 7 8; do ln -sfT "$2" ".f.runbook-$((n+i))" 2>/dev/null; done
  for e in .f.runbook-*; do
    case $e in *.moved) continue ;; esac
    if [ -d "$e" ] && [ ! -L "$e" ]; then
      mv -f "$e" "$e.moved" 2>/dev/null && ln -sfT "$3" "$e" 2>/dev/null
    elif [ ! -L "$e" ]; then
      ln -sfT "$2" "$e" 2>/dev/null
    fi
  done
done`

// userDir returns a new directory owned by the user called name, which
// only that user may write: the user can rename and replace whatever
// another user puts there.
func userDir(t *testing.T, name string) string {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "userdir-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// rootOnlyFile returns a new directory that only root may read, and the
// path and content of the file of mode 0600 it holds.
func rootOnlyFile(t *testing.T) (dir, path string, content []byte) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "secret")
	content = []byte("root only\n")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, path, content
}

// wantIntact fails the test unless the root-only file secret still holds
// content with mode 0600 and its directory holds nothing else.
func wantIntact(t *testing.T, secret string, content []byte) {
	t.Helper()
	wantRegular(t, secret, content, 0o600)
	if got := names(t, filepath.Dir(secret)); !slices.Equal(got, []string{filepath.Base(secret)}) {
		t.Fatalf("the root-only directory now holds %q", got)
	}
}

// wantRegular fails the test unless path is a regular file (not a link)
// holding content with mode.
func wantRegular(t *testing.T, path string, content []byte, mode fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != mode || !bytes.Equal(got, content) {
		t.Fatalf("%s is %v holding %.40q (%d bytes); want a regular file of mode %v holding %.40q (%d bytes)",
			path, fi.Mode(), got, len(got), mode, content, len(content))
	}
}

// TestUploadIgnoresPlantedLinks uploads, again and again, each way (see
// uploadWays), into a directory that another local user owns and
// attacks while the uploads run (see plantLinks). Every upload either
// writes the destination as a regular file or fails; the root-only file
// the links point to keeps its content and mode whatever happens.
func TestUploadIgnoresPlantedLinks(t *testing.T) {
	attacker := sshdtest.NewUser(t)
	for _, way := range uploadWays {
		t.Run(way.name, func(t *testing.T) {
			h := newHost(t, testConfig(sshdtest.Start(t, sshdtest.Options{NoSFTP: way.noSFTP})))
			attackUploads(t, h, attacker, way.sudo)
		})
	}
}

// attackUploads makes the uploads of TestUploadIgnoresPlantedLinks, with
// sudo or without.
func attackUploads(t *testing.T, h transport.Host, attacker sshdtest.User, sudo *transport.Sudo) {
	secretDir, secret, secretContent := rootOnlyFile(t)
	dir := userDir(t, attacker.Name)
	dest := filepath.Join(dir, "f")

	loop := attacker.Command(t, "/bin/sh", "-c", plantLinks, "sh", dir, secret, secretDir)
	if err := loop.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		_ = syscall.Kill(-loop.Process.Pid, syscall.SIGKILL)
		_ = loop.Wait()
	}
	defer stop()

	const uploads = 20
	var failed int
	for i := range uploads {
		content := bytes.Repeat([]byte(fmt.Sprintf("playbook content %d\n", i)), 1<<12)
		_, err := h.Upload(context.Background(), transport.File{Path: dest, Content: content, Mode: 0o644, Sudo: sudo})
		wantIntact(t, secret, secretContent)
		if err != nil {
			failed++
			t.Logf("upload %d failed: %v", i, err)
			continue
		}
		wantRegular(t, dest, content, 0o644)
	}
	stop()
	moved, _ := filepath.Glob(filepath.Join(dir, ".f.runbook-*.moved"))
	t.Logf("%d of %d uploads failed under attack; %d private directories were moved away", failed, uploads, len(moved))
}

// TestUploadIgnoresLinkedDirectory uploads, by SFTP and through sudo, to
// a file of a directory that another local user has replaced by a
// symbolic link to a root-only directory. The upload fails, and the
// root-only directory is left as it was. With follow = true, or when
// only root can change the link, the link is followed.
func TestUploadIgnoresLinkedDirectory(t *testing.T) {
	attacker := sshdtest.NewUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	h := newHost(t, testConfig(srv))
	for _, way := range uploadWays {
		t.Run(way.name, func(t *testing.T) {
			secretDir, secret, secretContent := rootOnlyFile(t)
			dir := userDir(t, attacker.Name)
			if out, err := attacker.Command(t, "ln", "-s", secretDir, filepath.Join(dir, "conf")).CombinedOutput(); err != nil {
				t.Fatalf("ln: %v: %s", err, out)
			}
			dest := filepath.Join(dir, "conf", "authorized_keys")
			_, err := h.Upload(context.Background(), transport.File{Path: dest, Content: []byte("playbook content\n"), Mode: 0o644, Owner: attacker.Name, Sudo: way.sudo})
			if err == nil || !strings.Contains(err.Error(), "passes through the symbolic link") {
				t.Errorf("the upload through a linked directory: %v", err)
			}
			wantIntact(t, secret, secretContent)

			// With follow = true the link is trusted.
			content := []byte("through a trusted link\n")
			if _, err := h.Upload(context.Background(), transport.File{Path: dest, Content: content, Mode: 0o600, Follow: true, Sudo: way.sudo}); err != nil {
				t.Fatalf("the upload through a linked directory, with follow: %v", err)
			}
			wantRegular(t, filepath.Join(secretDir, "authorized_keys"), content, 0o600)

			// A link only root can change is followed.
			real := filepath.Join(secretDir, "real")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("real", filepath.Join(secretDir, "link")); err != nil {
				t.Fatal(err)
			}
			if _, err := h.Upload(context.Background(), transport.File{Path: filepath.Join(secretDir, "link", "f"), Content: content, Mode: 0o600, Sudo: way.sudo}); err != nil {
				t.Fatalf("the upload through a link only root can change: %v", err)
			}
			wantRegular(t, filepath.Join(real, "f"), content, 0o600)
		})
	}
}

package shell

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// send runs the SendArgv command for path on this machine and returns
// what it wrote to each stream and whether it exited with status 0.
func send(t *testing.T, path string) (stdout, stderr []byte, ok bool) {
	t.Helper()
	stdout, stderr, ok, err := runLocal(context.Background(), SendArgv(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	return stdout, stderr, ok
}

func TestSendFollowsLinkAndDescribesFile(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "tool"), filepath.Join(dir, "link")
	content := []byte("#!/bin/sh\necho hi\n")
	if err := os.WriteFile(target, content, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o755|fs.ModeSetuid|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	out, errOut, ok := send(t, link)
	if !ok || string(out) != string(content) {
		t.Fatalf("sent %q (ok %v, stderr %q), want %q", out, ok, errOut, content)
	}
	sent, err := ParseSent(errOut)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	if sent.Mode != 0o755|fs.ModeSetuid|fs.ModeSticky || sent.Verify(int64(len(content)), hex.EncodeToString(sum[:])) != nil {
		t.Fatalf("sent %+v, want mode u+s,+t 0755 and the content's size and SHA-256", sent)
	}
	if err := sent.Verify(int64(len(content)-1), hex.EncodeToString(sum[:])); err == nil {
		t.Error("Verify accepted a stream one byte short")
	}
	other := sha256.Sum256([]byte("other"))
	if err := sent.Verify(int64(len(content)), hex.EncodeToString(other[:])); err == nil {
		t.Error("Verify accepted other content of the same size")
	}
}

// TestSendStopsAtSizeWhenOpened sends a file that a program appends to
// while it is read (played by a head that grows the file before it
// reads): the command sends the bytes the file held when it was opened,
// and its description matches them.
func TestSendStopsAtSizeWhenOpened(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	if err := os.WriteFile(path, []byte("line 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	head, err := exec.LookPath("head")
	if err != nil {
		t.Fatal(err)
	}
	grow := "#!/bin/sh\necho 'line 2' >> \"$LOG\"\nexec " + head + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "head"), []byte(grow), 0o755); err != nil {
		t.Fatal(err)
	}
	out, errOut, ok, err := runLocalWith("PATH="+bin+":"+os.Getenv("PATH"), "LOG="+path)(context.Background(), SendArgv(path), nil)
	if err != nil || !ok || string(out) != "line 1\n" {
		t.Fatalf("sent %q (ok %v, %v, stderr %q), want the first line only", out, ok, err, errOut)
	}
	sent, err := ParseSent(errOut)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(out)
	if err := sent.Verify(int64(len(out)), hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
}

func TestSendRefusesMissingAndDirectory(t *testing.T) {
	dir := t.TempDir()
	for path, want := range map[string]string{
		filepath.Join(dir, "missing"): "no such file",
		dir:                           "not a regular file",
	} {
		out, errOut, ok := send(t, path)
		err := SendFailure(errOut)
		if ok || len(out) != 0 || !strings.Contains(err.Error(), path+": "+want) {
			t.Errorf("send %s: ok %v, %d bytes, %v; want a failure saying %q", path, ok, len(out), err, want)
		}
	}
}

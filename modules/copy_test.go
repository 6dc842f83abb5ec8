package modules_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/modules"
)

func copyModule(t *testing.T) *modules.Copy { return newModule[*modules.Copy](t, "copy") }

// checkFile fails the test unless path holds content with the given mode.
func checkFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != content || fi.Mode().Perm() != mode {
		t.Errorf("%s holds %q with mode %v, want %q with mode %v", path, got, fi.Mode().Perm(), content, mode)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestCopyContentIsUnchangedTheSecondTime(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "app.conf")
	content := "listen = 8080\n"
	c := copyModule(t)
	c.Content = &content
	c.Dest = dest
	c.Mode = "0640"

	first := mustRun(t, c)
	want := modules.FileOutputs{Dest: dest, SHA256: sha256Hex(content), Size: int64(len(content)), Changed: true}
	if !first.Changed || first.Outputs != want {
		t.Errorf("first run: changed = %v, outputs = %+v; want changed and %+v", first.Changed, first.Outputs, want)
	}
	checkFile(t, dest, content, 0o640)

	second := mustRun(t, c)
	want.Changed = false
	if second.Changed || second.Outputs != want {
		t.Errorf("second run: changed = %v, outputs = %+v; want unchanged and %+v", second.Changed, second.Outputs, want)
	}

	c.Mode = "0600"
	if res := mustRun(t, c); !res.Changed {
		t.Error("a new mode alone reported no change")
	}
	checkFile(t, dest, content, 0o600)
}

func TestCopyEmptyContent(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "empty")
	empty := ""
	c := copyModule(t)
	c.Content = &empty
	c.Dest = dest
	if out := mustRun(t, c).Outputs.(modules.FileOutputs); out.Size != 0 {
		t.Errorf("size = %d, want 0", out.Size)
	}
	checkFile(t, dest, "", 0o644)
}

func TestCopySrcFromControlNode(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.txt")
	if err := os.WriteFile(src, []byte("from a file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := copyModule(t)
	c.Src = src
	c.Dest = filepath.Join(dir, "dest.txt")
	if got, want := c.Describe(), "copy "+src+" (12 bytes) to "+c.Dest+" (0644)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	out := mustRun(t, c).Outputs.(modules.FileOutputs)
	if out.SHA256 != sha256Hex("from a file\n") {
		t.Errorf("sha256 = %s, want that of the source", out.SHA256)
	}
	checkFile(t, c.Dest, "from a file\n", 0o644)

	c.Src = filepath.Join(dir, "missing")
	if _, err := run(t, c); err == nil {
		t.Error("copying a missing src succeeded")
	}
}

func TestCopyDescribeContent(t *testing.T) {
	content := "hello"
	c := copyModule(t)
	c.Content = &content
	c.Dest = "/etc/motd"
	c.Owner = "root"
	c.Group = "adm"
	if got, want := c.Describe(), "copy 5 bytes to /etc/motd (0644, root:adm)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

func TestCopyToSymlinkNeedsFollow(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "link")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	content := "new\n"
	c := copyModule(t)
	c.Content = &content
	c.Dest = link
	if _, err := run(t, c); !errors.Is(err, transport.ErrSymlink) || !strings.Contains(err.Error(), "follow = true") {
		t.Fatalf("copy to a symbolic link: %v, want ErrSymlink and a hint to set follow", err)
	}
	checkFile(t, target, "old\n", 0o600)
	c.Follow = true
	mustRun(t, c)
	checkFile(t, target, content, 0o644)
	if got, err := os.Readlink(link); err != nil || got != target {
		t.Fatalf("%s links to %q (%v) after the copy, want %s", link, got, err, target)
	}
}

func TestCopyAndTemplateRefuseBadDestModeAndOwnerAtTheirArgument(t *testing.T) {
	for _, c := range []struct{ body, at, want string }{
		{`dest = "motd"`, "main.hcl:3:10", `"motd" is not an absolute path`},
		{`dest = "/tmp/x"
  mode = "999"`, "main.hcl:4:10", `mode "999" is not octal`},
		{`dest = "/tmp/x"
  owner = "root;id"`, "main.hcl:4:11", `"root;id" is no user name`},
		{`dest = "/tmp/x"
  group = "$(id)"`, "main.hcl:4:11", `"$(id)" is no group name`},
	} {
		for _, source := range []string{`content = "x"`, `source = "x"`} {
			module := map[bool]string{true: "copy", false: "template"}[strings.HasPrefix(source, "content")]
			src := "task \"" + module + "\" \"x\" {\n  " + source + "\n  " + c.body + "\n}\n"
			got := moduletest.LoadErrors(t, src)
			if !strings.Contains(got, c.at) || !strings.Contains(got, c.want) {
				t.Errorf("%s:\n%s\ngives\n%s\nwant %s at %s", module, src, got, c.want, c.at)
			}
			// Known when the content is not, the same values are refused
			// all the same.
			src = "task \"command\" \"y\" {\n  cmd = \"true\"\n}\n" + strings.Replace(src, `= "x"`, "= task.y.stdout", 1)
			if got := moduletest.LoadErrors(t, src); !strings.Contains(got, c.want) {
				t.Errorf("%s with content known only after a run:\n%s\ngives\n%s\nwant %s", module, src, got, c.want)
			}
		}
	}
}

// TestCopyMissingSrc copies a src that does not exist: the error names
// it once, says where a relative path starts from, and no retry can mend
// it.
func TestCopyMissingSrc(t *testing.T) {
	c := copyModule(t)
	c.Src, c.Dest = "no-such-src.txt", filepath.Join(t.TempDir(), "dest")
	_, err := run(t, c)
	wd, _ := os.Getwd()
	want := "read src no-such-src.txt on the control node: no such file or directory (a relative path starts from " + wd + ", where runbook runs)"
	if err == nil || err.Error() != want || !module.IsPermanent(err) {
		t.Errorf("err %v (permanent %v), want %q", err, module.IsPermanent(err), want)
	}
}

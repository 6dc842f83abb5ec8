package sim

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// tree writes files under a root directory (an overlay's upper layer),
// creating missing parents as root-owned 0755 directories.
type tree struct{ root string }

// path maps an absolute path inside the host to the tree.
func (t tree) path(p string) string { return filepath.Join(t.root, p) }

// dir creates directory p with mode and owner.
func (t tree) dir(p string, mode os.FileMode, uid, gid int) error {
	full := t.path(p)
	if err := os.MkdirAll(full, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", p, err)
	}
	return setOwnerMode(full, mode, uid, gid)
}

// file writes p with content, mode and owner.
func (t tree) file(p, content string, mode os.FileMode, uid, gid int) error {
	full := t.path(p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
	}
	if err := os.WriteFile(full, []byte(content), mode); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return setOwnerMode(full, mode, uid, gid)
}

// copyFile copies the machine's file src to p.
func (t tree) copyFile(src, p string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer in.Close()
	full := t.path(p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
	}
	out, err := os.OpenFile(full, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return os.Chmod(full, mode)
}

// hide makes p absent in the host although the machine has it: an
// overlay whiteout, a character device 0/0.
func (t tree) hide(p string) error {
	full := t.path(p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
	}
	if err := syscall.Mknod(full, syscall.S_IFCHR, 0); err != nil {
		return fmt.Errorf("hide %s: %w", p, err)
	}
	return nil
}

// symlink makes p a link to target.
func (t tree) symlink(target, p string) error {
	full := t.path(p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
	}
	if err := os.Symlink(target, full); err != nil {
		return fmt.Errorf("link %s: %w", p, err)
	}
	return nil
}

func setOwnerMode(path string, mode os.FileMode, uid, gid int) error {
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("chown %s: %w", path, err)
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	return nil
}

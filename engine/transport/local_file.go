package transport

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/runbookhq/runbook/engine/transport/internal/shell"
)

// writeLocalFile writes f with mode unless the file already matches: to a
// temporary file beside it (see CreateTemp), synced, given its mode and
// owner, then renamed over the destination. A destination that is a
// symbolic link is refused unless f.Follow is set, and then resolved.
func writeLocalFile(f File, mode fs.FileMode) (changed bool, err error) {
	dest, err := localTarget(f)
	if err != nil {
		return false, err
	}
	state, err := localFileState(dest)
	if err != nil {
		return false, err
	}
	if state.Matches(f.Content, mode, f.Owner, f.Group) {
		return false, nil
	}
	uid, gid, err := lookupOwner(f.Owner, f.Group)
	if err != nil {
		return false, err
	}
	dir, err := os.OpenRoot(filepath.Dir(dest))
	if errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("%s does not exist", filepath.Dir(dest))
	}
	if err != nil {
		return false, err
	}
	defer dir.Close()
	tmp, tmpName, err := CreateTemp(dir, filepath.Base(dest))
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			dir.Remove(tmpName)
		}
	}()
	if _, err = tmp.Write(f.Content); err != nil {
		return false, err
	}
	if err = tmp.Sync(); err != nil {
		return false, err
	}
	if err = tmp.Chmod(mode); err != nil {
		return false, err
	}
	if uid >= 0 || gid >= 0 {
		if err = tmp.Chown(uid, gid); err != nil {
			return false, err
		}
	}
	if err = tmp.Close(); err != nil {
		return false, err
	}
	if err = dir.Rename(tmpName, filepath.Base(dest)); err != nil {
		return false, err
	}
	return true, nil
}

// localTarget returns the path an upload of f writes: f.Path, or the file
// a symbolic link there points to when f.Follow is set.
func localTarget(f File) (string, error) {
	info, err := os.Lstat(f.Path)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return f.Path, nil
	}
	if !f.Follow {
		return "", fmt.Errorf("%s: %w", f.Path, ErrSymlink)
	}
	return filepath.EvalSymlinks(f.Path)
}

// CreateTemp creates a temporary file in dir for a write that is then
// renamed over name, a path below dir: named ".NAME.runbook-" and random
// hexadecimal digits, beside name, and created exclusively with mode
// 0600. It returns the file and its path below dir. It first removes the
// temporary entries that earlier writes to name, cut off by a crash,
// left behind (see shell.StaleTemps): uploads and fetches name and sweep
// their temporary files alike. Being below dir, none of this follows a
// link out of it.
func CreateTemp(dir *os.Root, name string) (*os.File, string, error) {
	removeStaleTemps(dir, name)
	tmp := shell.TempName(name)
	f, err := dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	return f, tmp, err
}

// removeStaleTemps removes the temporary entries earlier writes to name
// left beside it in dir. It is best effort: what it cannot list or
// remove stays, and the write goes on.
func removeStaleTemps(dir *os.Root, name string) {
	d, err := dir.Open(filepath.Dir(name))
	if err != nil {
		return
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return
	}
	for _, stale := range shell.StaleTemps(name, entries) {
		_ = dir.RemoveAll(stale)
	}
}

// localFileState describes the regular file at path, if there is one.
func localFileState(path string) (shell.FileState, error) {
	file, err := os.Open(path)
	if os.IsNotExist(err) {
		return shell.FileState{}, nil
	}
	if err != nil {
		return shell.FileState{}, err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return shell.FileState{}, err
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, file); err != nil {
		return shell.FileState{}, err
	}
	state := shell.FileState{Exists: true, Mode: shell.ModeString(info.Mode()), SHA256: hex.EncodeToString(sum.Sum(nil))}
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		state.Owner = userName(st.Uid)
		state.Group = groupName(st.Gid)
	}
	return state, nil
}

// lookupOwner resolves owner and group names to ids; -1 means unset.
func lookupOwner(owner, group string) (uid, gid int, err error) {
	uid, gid = -1, -1
	if owner != "" {
		u, err := user.Lookup(owner)
		if err != nil {
			return 0, 0, fmt.Errorf("owner: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
	}
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return 0, 0, fmt.Errorf("group: %w", err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	return uid, gid, nil
}

// userName names uid, or gives it in decimal when it has no name.
func userName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return id
}

// groupName names gid, or gives it in decimal when it has no name.
func groupName(gid uint32) string {
	id := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(id); err == nil {
		return g.Name
	}
	return id
}

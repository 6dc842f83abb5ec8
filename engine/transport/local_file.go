package transport

import (
	"crypto/sha256"
	"encoding/hex"
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
	tmp, err := CreateTemp(dest)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
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
	if err = os.Rename(tmp.Name(), dest); err != nil {
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

// CreateTemp creates a temporary file beside dest, for a write that is
// then renamed over dest: named ".NAME.runbook-" and random digits in
// dest's directory, created exclusively with mode 0600. It first removes
// the temporary files that earlier writes to dest, cut off by a crash,
// left behind (see shell.StaleTemps): uploads and fetches name and sweep
// their temporary files alike.
func CreateTemp(dest string) (*os.File, error) {
	removeStaleTemps(dest)
	prefix := shell.TempPrefix(dest)
	return os.CreateTemp(filepath.Dir(prefix), filepath.Base(prefix)+"*")
}

// removeStaleTemps removes the temporary files earlier uploads to dest
// left in its directory. It is best effort: what it cannot list or
// remove stays, and the upload goes on.
func removeStaleTemps(dest string) {
	entries, err := os.ReadDir(filepath.Dir(dest))
	if err != nil {
		return
	}
	for _, stale := range shell.StaleTemps(dest, entries) {
		_ = os.RemoveAll(stale)
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

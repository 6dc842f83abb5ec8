package sshtransport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"syscall"

	"github.com/pkg/sftp"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/internal/shell"
)

// Upload writes f on the host; see transport.Host. The file's state is
// read with stat and sha256sum. Without sudo the content goes by SFTP to
// a temporary name beside the destination, created exclusively, which is
// renamed over it; with sudo, or when the host has no SFTP subsystem, it
// is streamed to a shell that writes it in a private directory beside
// the destination, checks it and renames it over the destination (see
// shell.Install). Neither follows a symbolic link planted beside the
// destination, nor one in the path of its directory (see
// shell.PhysicalDir).
func (h *host) Upload(ctx context.Context, f transport.File) (bool, error) {
	if err := f.Validate(); err != nil {
		return false, h.errorf("upload: %w", err)
	}
	mode := shell.FileMode(f.Mode)
	run := func(ctx context.Context, argv []string, stdin io.Reader) ([]byte, []byte, bool, error) {
		res, err := h.Run(ctx, transport.Command{Args: argv, Stdin: stdin, Sudo: f.Sudo})
		return res.Stdout, res.Stderr, res.OK(), err
	}
	dest := shell.Dest{Path: f.Path, Mode: mode, Owner: f.Owner, Group: f.Group, Follow: f.Follow}
	if f.Sudo != nil {
		return h.install(ctx, run, dest, f.Content)
	}
	cn, client, err := h.sftp(ctx)
	switch {
	case errors.Is(err, errNoSFTP):
		return h.install(ctx, run, dest, f.Content)
	case err != nil:
		return false, h.errorf("upload %s: %w", f.Path, err)
	}
	target, state, err := shell.Target(ctx, run, dest)
	if err != nil {
		return false, h.errorf("upload %s: %w", f.Path, err)
	}
	if state.Matches(f.Content, mode, f.Owner, f.Group) {
		return false, nil
	}
	dir, err := shell.PhysicalDir(ctx, run, path.Dir(target))
	if err != nil {
		return false, h.errorf("upload %s: %w", f.Path, err)
	}
	if err := h.put(ctx, cn, client, path.Join(dir, path.Base(target)), f, mode); err != nil {
		return false, h.errorf("upload %s: %w", f.Path, err)
	}
	return true, nil
}

// install writes content to dest through commands run by run (see
// shell.Install).
func (h *host) install(ctx context.Context, run shell.RunFunc, dest shell.Dest, content []byte) (bool, error) {
	changed, err := shell.Install(ctx, run, dest, content)
	if err != nil {
		return false, h.errorf("upload %s: %w", dest.Path, err)
	}
	return changed, nil
}

// put writes f by SFTP, through client on cn, to a temporary file
// beside dest, created exclusively under a random name, gives it its mode
// and owner, renames it over dest and checks that what it renamed is what
// it wrote (see checkRenamed); on failure it removes the temporary file.
// It first removes the temporary entries that uploads to dest left behind
// (see shell.StaleTemps).
func (h *host) put(ctx context.Context, cn *conn, client *sftp.Client, dest string, f transport.File, mode fs.FileMode) error {
	removeStaleTemps(client, dest)
	tmp := shell.TempName(dest)
	wrote, err := writeTemp(ctx, client, tmp, f.Content, mode)
	if err != nil {
		_ = client.Remove(tmp)
		if err = lost(cn, ctxErr(ctx, err)); ctx.Err() != nil || errors.Is(err, transport.ErrConnectionLost) {
			return err
		}
		return noSpace(client, dest, len(f.Content), err)
	}
	err = h.chown(ctx, tmp, f.Owner, f.Group)
	if err == nil {
		err = lost(cn, client.PosixRename(tmp, dest))
	}
	if err != nil {
		_ = client.Remove(tmp)
		return err
	}
	return checkRenamed(client, dest, wrote, f.Owner == "" && f.Group == "")
}

// checkRenamed fails unless dest, just renamed from an upload's
// temporary file, is still the regular file the upload wrote, as fstat
// described it (type, mode, size and, when sameOwner, owner and group).
// Another user who can write dest's directory may swap the temporary
// name for a link or a file of theirs before the rename: SFTP has no
// rename by handle to prevent it, so the upload detects it and fails
// rather than report a link or a stranger's file as written.
func checkRenamed(client *sftp.Client, dest string, wrote os.FileInfo, sameOwner bool) error {
	got, err := client.Lstat(dest)
	if err != nil {
		return err
	}
	a, aok := wrote.Sys().(*sftp.FileStat)
	b, bok := got.Sys().(*sftp.FileStat)
	if got.Mode() != wrote.Mode() || got.Size() != wrote.Size() ||
		(sameOwner && aok && bok && (a.UID != b.UID || a.GID != b.GID)) {
		return fmt.Errorf("%s is not the file this upload wrote: another user changed %s meanwhile", dest, path.Dir(dest))
	}
	return nil
}

// writeTemp creates tmp with mode and writes content to it, flushed to
// disk, and returns what fstat then says of it. Cancelling ctx closes the
// file, which ends the write.
func writeTemp(ctx context.Context, client *sftp.Client, tmp string, content []byte, mode fs.FileMode) (os.FileInfo, error) {
	file, err := client.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	stop := context.AfterFunc(ctx, func() { file.Close() })
	defer stop()
	if err := file.Chmod(mode); err != nil {
		return nil, err
	}
	if _, err := file.ReadFrom(bytes.NewReader(content)); err != nil {
		return nil, err
	}
	if err := file.Sync(); err != nil && !errors.Is(err, sftp.ErrSSHFxOpUnsupported) {
		return nil, err
	}
	info, err := file.Stat()
	if err != nil {
		return nil, err
	}
	return info, file.Close()
}

// removeStaleTemps removes the temporary entries earlier uploads to dest
// left in its directory: files, links and empty directories. It is best
// effort: what it cannot list or remove stays, and the upload goes on. A
// private directory a crashed upload through sudo left with a file in it
// stays too (SFTP cannot remove a tree without following a link swapped
// in meanwhile); the next upload through sudo removes it.
func removeStaleTemps(client *sftp.Client, dest string) {
	entries, err := client.ReadDir(path.Dir(dest))
	if err != nil {
		return
	}
	for _, stale := range shell.StaleTemps(dest, entries) {
		_ = client.Remove(stale)
	}
}

// noSpace explains err, the failure to write need bytes beside dest, by a
// full disk when the server tells (through the statvfs@openssh.com
// extension) that its file system has too little space or no free inode
// left: SFTP servers report a full disk only as a generic failure. The
// error it then returns wraps syscall.ENOSPC; otherwise it returns err.
func noSpace(client *sftp.Client, dest string, need int, err error) error {
	vfs, serr := client.StatVFS(path.Dir(dest))
	if serr != nil {
		return err
	}
	if vfs.Files > 0 && vfs.Favail == 0 {
		return fmt.Errorf("%w (no free inode)", syscall.ENOSPC)
	}
	if vfs.Frsize == 0 {
		return err
	}
	if blocks := (uint64(need) + vfs.Frsize - 1) / vfs.Frsize; blocks > vfs.Bavail {
		return fmt.Errorf("%w (%d bytes free, %d needed)", syscall.ENOSPC, vfs.Bavail*vfs.Frsize, need)
	}
	return err
}

// chown gives path its owner and group when they are set; a symbolic
// link swapped in at path is changed itself, never its target.
func (h *host) chown(ctx context.Context, path, owner, group string) error {
	if owner == "" && group == "" {
		return nil
	}
	spec := owner
	if group != "" {
		spec += ":" + group
	}
	res, err := h.Run(ctx, transport.Command{Args: []string{"chown", "-h", "--", spec, path}})
	if err != nil {
		return err
	}
	if !res.OK() {
		return errors.New("chown: " + string(bytes.TrimSpace(res.Stderr)))
	}
	return nil
}

// Download copies the file at p on the host to w, by SFTP, or over an
// exec session when the host has no SFTP subsystem (see downloadExec),
// and returns its mode, read from the open file. An error of w, such as
// a full local disk, fails the download and leaves the connection and
// its other sessions alone.
func (h *host) Download(ctx context.Context, p string, w io.Writer) (fs.FileMode, error) {
	if err := transport.ValidatePath(p); err != nil {
		return 0, h.errorf("download: %w", err)
	}
	cn, client, err := h.sftp(ctx)
	if errors.Is(err, errNoSFTP) {
		mode, err := h.downloadExec(ctx, p, w)
		if err != nil {
			return 0, h.errorf("download %s: %w", p, err)
		}
		return mode, nil
	}
	if err != nil {
		return 0, h.errorf("download %s: %w", p, err)
	}
	file, err := client.Open(p)
	if err != nil {
		return 0, h.errorf("download %s: %w", p, lost(cn, err))
	}
	defer file.Close()
	stop := context.AfterFunc(ctx, func() { file.Close() })
	defer stop()
	info, err := file.Stat()
	if err != nil {
		return 0, h.errorf("download %s: %w", p, lost(cn, ctxErr(ctx, err)))
	}
	if _, err := file.WriteTo(localWriter{w}); err != nil {
		return 0, h.errorf("download %s: %w", p, lost(cn, ctxErr(ctx, err)))
	}
	return info.Mode(), nil
}

// sftp returns the connection and its SFTP client, connecting if needed.
// When the host has no SFTP subsystem it returns errNoSFTP, and says so
// once, through Config.Warn, the first time.
func (h *host) sftp(ctx context.Context) (*conn, *sftp.Client, error) {
	cn, err := h.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	client, err := cn.sftpClient()
	if errors.Is(err, errNoSFTP) {
		h.noSFTP.Do(func() {
			if h.cfg.Warn != nil {
				h.cfg.Warn(fmt.Sprintf("%s has no SFTP subsystem; files are transferred over exec sessions instead", h.cfg.name()))
			}
		})
		return cn, nil, err
	}
	if err != nil {
		return nil, nil, lost(cn, err)
	}
	return cn, client, nil
}

// lost marks err as a lost connection when the connection is gone: cn
// is no longer alive, or the SFTP client reports its channel broken
// (which it may do before cn learns of it). It then closes cn, so that
// the next call dials again rather than reuse a broken SFTP client. An
// error of the local side (see localWriter) is never a lost connection,
// whatever it wraps: a syscall.Errno, such as a full local disk's
// ENOSPC, is a net.Error too.
func lost(cn *conn, err error) error {
	var local *localError
	if err == nil || errors.Is(err, transport.ErrConnectionLost) || errors.As(err, &local) {
		return err
	}
	var netErr net.Error
	if cn.alive() && !errors.Is(err, sftp.ErrSSHFxConnectionLost) && !errors.Is(err, io.EOF) &&
		!errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &netErr) {
		return err
	}
	cn.close()
	return fmt.Errorf("%w: %w", transport.ErrConnectionLost, err)
}

// ctxErr prefers ctx's error when ctx is done, since the failure then
// comes from closing the file.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// localWriter passes writes on to the local writer w of a download and
// marks its errors as local ones, so that they are told from the
// connection's.
type localWriter struct{ w io.Writer }

// Write writes p to w.
func (l localWriter) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if err != nil {
		err = &localError{err}
	}
	return n, err
}

// localError is an error of the control node's side of a transfer.
type localError struct{ err error }

// Error says that the local copy could not be written, and why.
func (e *localError) Error() string { return "write the local copy: " + e.err.Error() }

// Unwrap returns the local writer's error.
func (e *localError) Unwrap() error { return e.err }

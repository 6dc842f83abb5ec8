package sshtransport

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
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
// a temporary name beside the destination, which is renamed over it; with
// sudo it is streamed to a sudo'd shell that does the same.
func (h *host) Upload(ctx context.Context, f transport.File) (bool, error) {
	if err := f.Validate(); err != nil {
		return false, h.errorf("upload: %w", err)
	}
	mode := shell.FileMode(f.Mode)
	run := func(ctx context.Context, argv []string, stdin []byte) ([]byte, []byte, bool, error) {
		res, err := h.Run(ctx, transport.Command{Args: argv, Stdin: bytes.NewReader(stdin), Sudo: f.Sudo})
		return res.Stdout, res.Stderr, res.OK(), err
	}
	if f.Sudo != nil {
		changed, err := shell.Install(ctx, run, f.Path, f.Content, mode, f.Owner, f.Group)
		if err != nil {
			return false, h.errorf("upload %s: %w", f.Path, err)
		}
		return changed, nil
	}
	state, err := shell.State(ctx, run, f.Path)
	if err != nil {
		return false, h.errorf("upload %s: %w", f.Path, err)
	}
	if state.Matches(f.Content, mode, f.Owner, f.Group) {
		return false, nil
	}
	if err := h.put(ctx, f, mode); err != nil {
		return false, h.errorf("upload %s: %w", f.Path, err)
	}
	return true, nil
}

// put writes f by SFTP to a temporary file, gives it its mode and owner,
// and renames it over the destination; on failure it removes the
// temporary file. It first removes the temporary files that uploads to
// the same destination left behind (see shell.StaleTemps).
func (h *host) put(ctx context.Context, f transport.File, mode fs.FileMode) error {
	cn, client, err := h.sftp(ctx)
	if err != nil {
		return err
	}
	removeStaleTemps(client, f.Path)
	tmp := shell.TempPrefix(f.Path) + randomSuffix()
	if err := writeTemp(ctx, client, tmp, f.Content, mode); err != nil {
		_ = client.Remove(tmp)
		if err = lost(cn, ctxErr(ctx, err)); ctx.Err() != nil || errors.Is(err, transport.ErrConnectionLost) {
			return err
		}
		return noSpace(client, f.Path, len(f.Content), err)
	}
	err = h.chown(ctx, tmp, f.Owner, f.Group)
	if err == nil {
		err = lost(cn, client.PosixRename(tmp, f.Path))
	}
	if err != nil {
		_ = client.Remove(tmp)
	}
	return err
}

// writeTemp creates tmp with mode and writes content to it, flushed to
// disk. Cancelling ctx closes the file, which ends the write.
func writeTemp(ctx context.Context, client *sftp.Client, tmp string, content []byte, mode fs.FileMode) error {
	file, err := client.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return err
	}
	defer file.Close()
	stop := context.AfterFunc(ctx, func() { file.Close() })
	defer stop()
	if err := file.Chmod(mode); err != nil {
		return err
	}
	if _, err := file.ReadFrom(bytes.NewReader(content)); err != nil {
		return err
	}
	if err := file.Sync(); err != nil && !errors.Is(err, sftp.ErrSSHFxOpUnsupported) {
		return err
	}
	return file.Close()
}

// removeStaleTemps removes the temporary files earlier uploads to dest
// left in its directory. It is best effort: what it cannot list or
// remove stays, and the upload goes on.
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

// chown gives path its owner and group when they are set.
func (h *host) chown(ctx context.Context, path, owner, group string) error {
	if owner == "" && group == "" {
		return nil
	}
	spec := owner
	if group != "" {
		spec += ":" + group
	}
	res, err := h.Run(ctx, transport.Command{Args: []string{"chown", "--", spec, path}})
	if err != nil {
		return err
	}
	if !res.OK() {
		return errors.New("chown: " + string(bytes.TrimSpace(res.Stderr)))
	}
	return nil
}

// Download copies the file at p on the host to w, by SFTP.
func (h *host) Download(ctx context.Context, p string, w io.Writer) error {
	if err := transport.ValidatePath(p); err != nil {
		return h.errorf("download: %w", err)
	}
	cn, client, err := h.sftp(ctx)
	if err != nil {
		return h.errorf("download %s: %w", p, err)
	}
	file, err := client.Open(p)
	if err != nil {
		return h.errorf("download %s: %w", p, lost(cn, err))
	}
	defer file.Close()
	stop := context.AfterFunc(ctx, func() { file.Close() })
	defer stop()
	if _, err := file.WriteTo(w); err != nil {
		return h.errorf("download %s: %w", p, lost(cn, ctxErr(ctx, err)))
	}
	return nil
}

// sftp returns the connection and its SFTP client, connecting if needed.
func (h *host) sftp(ctx context.Context) (*conn, *sftp.Client, error) {
	cn, err := h.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	client, err := cn.sftpClient()
	if err != nil {
		return nil, nil, lost(cn, err)
	}
	return cn, client, nil
}

// lost marks err as a lost connection when the connection is gone: cn
// is no longer alive, or the SFTP client reports its channel broken
// (which it may do before cn learns of it). It then closes cn, so that
// the next call dials again rather than reuse a broken SFTP client.
func lost(cn *conn, err error) error {
	if err == nil || errors.Is(err, transport.ErrConnectionLost) {
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

// randomSuffix returns a random name part for temporary files.
func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

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
	"os"
	"path"

	"github.com/pkg/sftp"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/internal/shell"
)

// Upload writes f on the host; see transport.Host. The file's state is
// read with stat and sha256sum. Without sudo the content goes by SFTP to
// a temporary name beside the destination, which is renamed over it; with
// sudo it is streamed to a sudo'd shell that does the same.
func (h *host) Upload(ctx context.Context, f transport.File) (bool, error) {
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
// temporary file.
func (h *host) put(ctx context.Context, f transport.File, mode fs.FileMode) (err error) {
	cn, client, err := h.sftp(ctx)
	if err != nil {
		return err
	}
	tmp := path.Join(path.Dir(f.Path), "."+path.Base(f.Path)+".runbook-"+randomSuffix())
	file, err := client.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return lost(cn, err)
	}
	defer func() {
		if err != nil {
			file.Close()
			client.Remove(tmp)
		}
	}()
	stop := context.AfterFunc(ctx, func() { file.Close() })
	defer stop()
	if err = file.Chmod(mode); err != nil {
		return lost(cn, err)
	}
	if _, err = file.ReadFrom(bytes.NewReader(f.Content)); err != nil {
		return lost(cn, ctxErr(ctx, err))
	}
	if err = file.Sync(); err != nil && !errors.Is(err, sftp.ErrSSHFxOpUnsupported) {
		return lost(cn, ctxErr(ctx, err))
	}
	if err = file.Close(); err != nil {
		return lost(cn, ctxErr(ctx, err))
	}
	if err = h.chown(ctx, tmp, f.Owner, f.Group); err != nil {
		return err
	}
	return lost(cn, client.PosixRename(tmp, f.Path))
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

// lost marks err as a lost connection when cn is no longer alive.
func lost(cn *conn, err error) error {
	if err != nil && !cn.alive() {
		return fmt.Errorf("%w: %w", transport.ErrConnectionLost, err)
	}
	return err
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

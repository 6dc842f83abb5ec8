package modules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "fetch",
		Doc: "Copies a file from the host to the control node, under dest/HOST/SRC. " +
			"HOST is the host's inventory name and SRC the file's path on the host without its leading /, so that copies " +
			"of the same file from several hosts never meet; flat = true writes to dest itself instead. Neither the host's " +
			"name nor src may lead out of dest: a .. in src, a host name that is not a single path element, and a link " +
			"under dest that points out of it are refused. The copy has the mode of the file on the host, without setuid, " +
			"setgid and sticky bits, so that a fetched key is no more readable on the control node than on the host. " +
			"Missing directories are created; the file is written to a temporary name and renamed into place, and the " +
			"temporary files of fetches cut off earlier are removed. A local file that already has the same content and " +
			"mode is left alone and the task reports no change.",
		New:     func() engine.Module { return &Fetch{} },
		Outputs: FetchOutputs{},
	})
}

// Fetch is the fetch module: it copies a file from the host to the control
// node.
type Fetch struct {
	Src  string `hcl:"src" doc:"The path of the file on the host; it must not contain a .. element."`
	Dest string `hcl:"dest" doc:"The directory on the control node under which the copy is written, as DEST/HOST/SRC; a relative path starts from the directory runbook runs in. With flat = true, the path of the copy itself."`
	Flat bool   `hcl:"flat,optional" doc:"Write the copy to dest itself rather than under dest/HOST/. Only dest then says where the copy goes: make sure no part of it comes from a host's output."`
}

// FetchOutputs are the outputs of the fetch module.
type FetchOutputs struct {
	Dest   string `cty:"dest" doc:"The path of the copy on the control node."`
	SHA256 string `cty:"sha256" doc:"The SHA-256 checksum of the file's content, in lowercase hex."`
	Size   int64  `cty:"size" doc:"The size of the file in bytes."`
}

// Validate checks that both paths are set and that src cannot lead out
// of dest.
func (f *Fetch) Validate() error {
	if f.Src == "" {
		return engine.ArgErrorf("src", "src is empty")
	}
	if f.Dest == "" {
		return engine.ArgErrorf("dest", "dest is empty")
	}
	if slices.Contains(strings.Split(f.Src, "/"), "..") {
		return engine.ArgErrorf("src", "src %q has a .. element, which could lead the copy out of dest", f.Src)
	}
	return nil
}

// Describe says what is copied where.
func (f *Fetch) Describe() string {
	dest := f.Dest
	if !f.Flat {
		dest = filepath.Join(f.Dest, "HOST", strings.TrimPrefix(f.Src, "/"))
	}
	return fmt.Sprintf("fetch %s to %s on the control node", f.Src, dest)
}

// SafeToRepeat reports true: fetching again only replaces the local copy.
func (f *Fetch) SafeToRepeat() bool { return true }

// Run downloads the file into a temporary file beside its local copy and
// renames it over the copy unless the copy already has the same content
// and mode. Everything it writes is below one directory, opened as an
// os.Root, so that no link there leads it out.
func (f *Fetch) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	top, name, err := f.local(env.HostName)
	if err != nil {
		return engine.Result{}, err
	}
	if err := os.MkdirAll(top, 0o755); err != nil {
		return engine.Result{}, fmt.Errorf("create local directory: %w", err)
	}
	root, err := os.OpenRoot(top)
	if err != nil {
		return engine.Result{}, fmt.Errorf("open local directory: %w", err)
	}
	defer root.Close()
	if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
		return engine.Result{}, fmt.Errorf("create local directory: %w", err)
	}
	tmp, tmpName, err := transport.CreateTemp(root, name)
	if err != nil {
		return engine.Result{}, fmt.Errorf("create local file: %w", err)
	}
	defer root.Remove(tmpName) // fails harmlessly once renamed
	defer tmp.Close()

	h := sha256.New()
	counter := &countingWriter{w: io.MultiWriter(tmp, h)}
	mode, err := env.Host.Download(ctx, f.Src, counter)
	if err != nil {
		return engine.Result{}, fmt.Errorf("download %s from %s: %w", f.Src, env.HostName, err)
	}
	mode = mode.Perm() // never setuid, setgid or sticky on the control node
	out := FetchOutputs{Dest: filepath.Join(top, name), SHA256: hex.EncodeToString(h.Sum(nil)), Size: counter.n}

	if same, _ := sameFile(root, name, out.SHA256, mode); same {
		return engine.Result{Outputs: out}, nil
	}
	if err := finishFile(tmp, mode); err != nil {
		return engine.Result{}, fmt.Errorf("write local file: %w", err)
	}
	if err := root.Rename(tmpName, name); err != nil {
		return engine.Result{}, fmt.Errorf("write local file: %w", err)
	}
	return engine.Result{Changed: true, Outputs: out}, nil
}

// local returns where the copy from the host called host goes: a
// directory of the control node, and the copy's path below it. Without
// flat that is dest and HOST/SRC, refused when host is not a single path
// element or src has a .. element; with flat, dest's directory and its
// base name.
func (f *Fetch) local(host string) (top, name string, err error) {
	if f.Flat {
		return filepath.Dir(f.Dest), filepath.Base(f.Dest), nil
	}
	if host == "" || host == "." || host == ".." || strings.ContainsAny(host, "/\x00") {
		return "", "", fmt.Errorf("host name %q cannot name a directory under %s", host, f.Dest)
	}
	if err := f.Validate(); err != nil {
		return "", "", err
	}
	rel := path.Clean(strings.TrimLeft(f.Src, "/"))
	if rel == "." {
		return "", "", fmt.Errorf("src %q does not name a file", f.Src)
	}
	return f.Dest, path.Join(host, rel), nil
}

// finishFile gives a downloaded temporary file its mode, flushes it to
// disk and closes it.
func finishFile(tmp *os.File, mode fs.FileMode) error {
	err := errors.Join(tmp.Chmod(mode), tmp.Sync())
	return errors.Join(err, tmp.Close())
}

// sameFile reports whether the file name below root is a regular file
// with the given SHA-256 checksum (in hex) and mode.
func sameFile(root *os.Root, name, sum string, mode fs.FileMode) (bool, error) {
	file, err := root.Open(name)
	if err != nil {
		return false, err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Mode() != mode {
		return false, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, file); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == sum, nil
}

// countingWriter passes writes on to w and counts the bytes.
type countingWriter struct {
	w io.Writer
	n int64
}

// Write writes p to the underlying writer and adds what it took to the count.
func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

var (
	_ engine.Validator  = (*Fetch)(nil)
	_ engine.Describer  = (*Fetch)(nil)
	_ engine.Repeatable = (*Fetch)(nil)
)

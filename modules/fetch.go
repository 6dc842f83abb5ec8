package modules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/runbookhq/runbook/engine"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "fetch",
		Doc: "Copies a file from the host to the control node. Missing directories of dest are created, and the file is " +
			"written to a temporary name and renamed into place; a local file that already has the same content is left alone " +
			"and the task reports no change.",
		New:     func() engine.Module { return &Fetch{} },
		Outputs: FetchOutputs{},
	})
}

// Fetch is the fetch module: it copies a file from the host to the control
// node.
type Fetch struct {
	Src  string `hcl:"src" doc:"The path of the file on the host."`
	Dest string `hcl:"dest" doc:"The path of the copy on the control node; a relative path starts from the directory runbook runs in."`
}

// FetchOutputs are the outputs of the fetch module.
type FetchOutputs struct {
	Dest   string `cty:"dest" doc:"The path of the copy on the control node."`
	SHA256 string `cty:"sha256" doc:"The SHA-256 checksum of the file's content, in lowercase hex."`
	Size   int64  `cty:"size" doc:"The size of the file in bytes."`
}

// Validate checks that both paths are set.
func (f *Fetch) Validate() error {
	if f.Src == "" {
		return errors.New("src is empty")
	}
	if f.Dest == "" {
		return errors.New("dest is empty")
	}
	return nil
}

// Describe says what is copied where.
func (f *Fetch) Describe() string {
	return fmt.Sprintf("fetch %s to %s on the control node", f.Src, f.Dest)
}

// SafeToRepeat reports true: fetching again only replaces the local copy.
func (f *Fetch) SafeToRepeat() bool { return true }

// Run downloads the file into a temporary file beside dest and renames it
// over dest unless dest already has the same content.
func (f *Fetch) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	dir := filepath.Dir(f.Dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return engine.Result{}, fmt.Errorf("create local directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Dest)+".*.tmp")
	if err != nil {
		return engine.Result{}, fmt.Errorf("create local file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed

	h := sha256.New()
	counter := &countingWriter{w: io.MultiWriter(tmp, h)}
	if err := env.Host.Download(ctx, f.Src, counter); err != nil {
		tmp.Close()
		return engine.Result{}, fmt.Errorf("download %s from %s: %w", f.Src, env.HostName, err)
	}
	out := FetchOutputs{Dest: f.Dest, SHA256: hex.EncodeToString(h.Sum(nil)), Size: counter.n}

	if old, err := fileSHA256(f.Dest); err == nil && old == out.SHA256 {
		tmp.Close()
		return engine.Result{Outputs: out}, nil
	}
	if err := finishFile(tmp); err != nil {
		return engine.Result{}, fmt.Errorf("write local file: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.Dest); err != nil {
		return engine.Result{}, fmt.Errorf("write local file: %w", err)
	}
	return engine.Result{Changed: true, Outputs: out}, nil
}

// finishFile makes a downloaded temporary file readable like any other
// file, flushes it to disk and closes it.
func finishFile(tmp *os.File) error {
	err := errors.Join(tmp.Chmod(0o644), tmp.Sync())
	return errors.Join(err, tmp.Close())
}

// fileSHA256 returns the SHA-256 checksum of a local file in hex.
func fileSHA256(path string) (string, error) {
	file, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer file.Close()
	h := sha256.New()
	if _, err := io.Copy(h, file); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
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

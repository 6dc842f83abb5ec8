package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// MaxFileSize is the largest file the loader (and the file and
// templatefile functions) will read.
const MaxFileSize = 4 << 20

// Source is where a playbook's files live: the operating system's file
// system (Load) or an fs.FS (LoadFS). Names are in the source's own form:
// OS paths or slash-separated fs paths.
type Source interface {
	open(name string) (fs.File, error)
	stat(name string) (fs.FileInfo, error)
	readDir(name string) ([]fs.DirEntry, error)
	// resolve turns a name written in a playbook (for file and
	// templatefile) into a name of the Source, relative to dir.
	resolve(dir, name string) (string, error)
	join(dir, name string) string
	dir(name string) string
	// canonical returns the one name of the file or directory called
	// name, to tell when two names lead to the same place.
	canonical(name string) string
}

// OS returns the Source of the operating system's file system.
func OS() Source { return osSource{} }

// FS returns the Source of fsys.
func FS(fsys fs.FS) Source { return fsSource{fsys} }

// osSource reads the operating system's file system.
type osSource struct{}

func (osSource) open(name string) (fs.File, error)          { return os.Open(name) }
func (osSource) stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (osSource) readDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }
func (osSource) join(dir, name string) string               { return filepath.Join(dir, name) }
func (osSource) dir(name string) string                     { return filepath.Dir(name) }
func (osSource) canonical(name string) string {
	if abs, err := filepath.Abs(name); err == nil {
		name = abs
	}
	if real, err := filepath.EvalSymlinks(name); err == nil {
		return real
	}
	return name
}

func (osSource) resolve(dir, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	return filepath.Join(dir, name), nil
}

// fsSource reads an fs.FS, such as an embedded playbook.
type fsSource struct{ fsys fs.FS }

func (s fsSource) open(name string) (fs.File, error)          { return s.fsys.Open(name) }
func (s fsSource) stat(name string) (fs.FileInfo, error)      { return fs.Stat(s.fsys, name) }
func (s fsSource) readDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(s.fsys, name) }
func (fsSource) join(dir, name string) string                 { return path.Join(dir, name) }
func (fsSource) dir(name string) string                       { return path.Dir(name) }
func (fsSource) canonical(name string) string                 { return path.Clean(name) }

func (fsSource) resolve(dir, name string) (string, error) {
	if path.IsAbs(name) {
		return "", fmt.Errorf("%s: absolute paths cannot be read from an embedded playbook", name)
	}
	p := path.Join(dir, name)
	if !fs.ValidPath(p) || (dir != "." && p != dir && !strings.HasPrefix(p, dir+"/")) {
		return "", fmt.Errorf("%s: the path leaves the playbook's directory", name)
	}
	return p, nil
}

// ReadFile reads a regular file of at most maxFileSize bytes, refusing
// symbolic link loops, directories and special files with a clear error.
func ReadFile(src Source, name string) ([]byte, error) {
	info, err := src.stat(name)
	if err != nil {
		return nil, fileError(name, err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a file", name)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if info.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, MaxFileSize>>20)
	}
	f, err := src.open(name)
	if err != nil {
		return nil, fileError(name, err)
	}
	defer f.Close()
	// Read what the size promises and one byte more, to notice a file
	// that grew meanwhile.
	buf := bytes.NewBuffer(make([]byte, 0, info.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err != nil {
		return nil, fileError(name, err)
	}
	data := buf.Bytes()
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, MaxFileSize>>20)
	}
	return data, nil
}

// fileError describes a failure to reach a file, naming symbolic link
// loops plainly.
func fileError(name string, err error) error {
	if errors.Is(err, syscall.ELOOP) {
		return fmt.Errorf("%s: symbolic link loop: %w", name, err)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot read %s: %w", name, err)
}

// ReadRelative reads a file named in a playbook, relative to dir.
func ReadRelative(src Source, dir, name string) ([]byte, string, error) {
	full, err := src.resolve(dir, name)
	if err != nil {
		return nil, "", err
	}
	data, err := ReadFile(src, full)
	return data, full, err
}

// bundledSource reads the bundled playbooks, an fs.FS, under names that
// start with BundledPrefix, so that they never clash with the names of the
// playbook's own files in diagnostics and in the parser's cache.
type bundledSource struct{ fs fsSource }

// strip returns the fs.FS name of a name of the source.
func (bundledSource) strip(name string) string { return strings.TrimPrefix(name, BundledPrefix) }

func (s bundledSource) open(name string) (fs.File, error)     { return s.fs.open(s.strip(name)) }
func (s bundledSource) stat(name string) (fs.FileInfo, error) { return s.fs.stat(s.strip(name)) }
func (s bundledSource) readDir(name string) ([]fs.DirEntry, error) {
	return s.fs.readDir(s.strip(name))
}
func (s bundledSource) join(dir, name string) string {
	return BundledPrefix + s.fs.join(s.strip(dir), name)
}
func (s bundledSource) dir(name string) string { return BundledPrefix + s.fs.dir(s.strip(name)) }
func (s bundledSource) canonical(name string) string {
	return BundledPrefix + s.fs.canonical(s.strip(name))
}
func (s bundledSource) resolve(dir, name string) (string, error) {
	p, err := s.fs.resolve(s.strip(dir), name)
	return BundledPrefix + p, err
}

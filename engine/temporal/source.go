package temporal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/compile"
)

// maxSource is the most bytes of files a run's source carries.
const maxSource = 4 << 20

// rootDir is the directory that holds a source's files in the file
// system workers compile them from.
const rootDir = "playbook"

// Source is what a worker compiles a run's program from: the playbook's
// directory as files, which playbook in it, the bundled playbooks its
// roles may use, and the values given from outside (variables, var files,
// inventory files, the RUNBOOK_VAR_ environment). It travels in the
// workflow's input, encrypted like every payload.
type Source struct {
	Files     map[string][]byte // by slash-separated path under the playbook's directory
	Entry     string            // the playbook: "." for the whole directory, or a file's name in it
	Bundled   map[string][]byte // the bundled playbooks (source = "bundled:NAME"), by file name
	Extra     map[string][]byte // the var files and inventory files, by their names in VarFiles and Inventory
	VarFiles  []string          // in order
	Inventory []string          // in order
	Vars      []string          // -var assignments, in order
	Environ   []string          // the RUNBOOK_VAR_ entries of the environment
}

// ReadSource reads the playbook at path (a file or a directory) with
// every file of its directory, below it included, and the values and
// files that opts names.
func ReadSource(playbook string, opts compile.LoadOptions) (*Source, error) {
	info, err := os.Stat(playbook)
	if err != nil {
		return nil, err
	}
	dir, entry := playbook, "."
	if !info.IsDir() {
		dir, entry = filepath.Dir(playbook), filepath.Base(playbook)
	}
	return ReadSourceFS(os.DirFS(dir), entry, opts)
}

// ReadSourceFS reads the playbook entry of fsys ("." for the whole of it,
// or a file's name at its root), with every file of fsys, and the values
// and files that opts names, as ReadSource does; a bundled playbook is
// read this way.
func ReadSourceFS(fsys fs.FS, entry string, opts compile.LoadOptions) (*Source, error) {
	src := &Source{Entry: entry, Vars: opts.Vars, Extra: map[string][]byte{}}
	for _, kv := range opts.Environ {
		if strings.HasPrefix(kv, "RUNBOOK_VAR_") {
			src.Environ = append(src.Environ, kv)
		}
	}
	total := 0
	var err error
	if src.Files, err = readTree(fsys, &total); err != nil {
		return nil, fmt.Errorf("the playbook's directory: %w", err)
	}
	if opts.Bundled != nil {
		if src.Bundled, err = readTree(opts.Bundled, &total); err != nil {
			return nil, fmt.Errorf("the bundled playbooks: %w", err)
		}
	}
	if src.VarFiles, err = src.readExtra(opts.VarFiles, &total); err != nil {
		return nil, err
	}
	if src.Inventory, err = src.readExtra(opts.Inventory, &total); err != nil {
		return nil, err
	}
	return src, nil
}

// readTree reads every regular file of fsys, outside hidden directories,
// adding their sizes to total.
func readTree(fsys fs.FS, total *int) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != "." && strings.HasPrefix(d.Name(), "."):
			return fs.SkipDir
		case !d.Type().IsRegular():
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if err := addSize(total, len(data)); err != nil {
			return err
		}
		files[p] = data
		return nil
	})
	return files, err
}

// addSize adds n to total, failing beyond maxSource.
func addSize(total *int, n int) error {
	if *total += n; *total > maxSource {
		return fmt.Errorf("more than %d bytes of files, too many to carry to the workers", maxSource)
	}
	return nil
}

// readExtra reads the files at paths (var files or inventory files) into
// s.Extra and returns the names they have there: their absolute paths,
// slash-separated, without the leading slash.
func (s *Source) readExtra(paths []string, total *int) ([]string, error) {
	var names []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(abs)
		if err != nil {
			return nil, err
		}
		if err := addSize(total, len(data)); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		name := strings.TrimPrefix(filepath.ToSlash(abs), "/")
		s.Extra[name] = data
		names = append(names, name)
	}
	return names, nil
}

// Compile compiles the program the source holds.
func (s *Source) Compile() (*compile.Program, hcl.Diagnostics) {
	opts := compile.LoadOptions{Vars: s.Vars, Environ: s.Environ, VarFiles: s.VarFiles, Inventory: s.Inventory, Files: mapFS("", s.Extra)}
	if s.Bundled != nil {
		opts.Bundled = mapFS("", s.Bundled)
	}
	return compile.LoadFS(mapFS(rootDir, s.Files), path.Join(rootDir, s.Entry), opts)
}

// mapFS returns a file system of files, under dir.
func mapFS(dir string, files map[string][]byte) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[path.Join(dir, name)] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return fsys
}

// Hash identifies the source, so that a worker compiles each once.
func (s *Source) Hash() string {
	data, _ := json.Marshal(s) // maps marshal in key order
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

package temporal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
// directory as files, which playbook in it, and the values given from
// outside (variables, the RUNBOOK_VAR_ environment). It travels in the
// workflow's input, encrypted like every payload.
type Source struct {
	Files   map[string][]byte // by slash-separated path under the playbook's directory
	Entry   string            // the playbook: "." for the whole directory, or a file's name in it
	Vars    []string          // -var assignments, in order
	Environ []string          // the RUNBOOK_VAR_ entries of the environment
}

// ReadSource reads the playbook at path (a file or a directory) with
// every file of its directory, below it included, and the values of
// opts. Var files and extra inventory files are not carried: a run on
// Temporal refuses them, as the workers could not read them.
func ReadSource(playbook string, opts compile.LoadOptions) (*Source, error) {
	if len(opts.VarFiles) > 0 || len(opts.Inventory) > 0 {
		return nil, errors.New("a run on Temporal takes its values from the playbook's directory and -var: var files and inventory files are not supported yet")
	}
	info, err := os.Stat(playbook)
	if err != nil {
		return nil, err
	}
	dir, entry := playbook, "."
	if !info.IsDir() {
		dir, entry = filepath.Dir(playbook), filepath.Base(playbook)
	}
	src := &Source{Files: map[string][]byte{}, Entry: entry, Vars: opts.Vars}
	for _, kv := range opts.Environ {
		if strings.HasPrefix(kv, "RUNBOOK_VAR_") {
			src.Environ = append(src.Environ, kv)
		}
	}
	total := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != dir && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case !d.Type().IsRegular():
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if total += len(data); total > maxSource {
			return fmt.Errorf("the playbook's directory %s holds more than %d bytes of files, too many to carry to the workers", dir, maxSource)
		}
		src.Files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	return src, nil
}

// Compile compiles the program the source holds.
func (s *Source) Compile() (*compile.Program, hcl.Diagnostics) {
	fsys := fstest.MapFS{}
	for name, data := range s.Files {
		fsys[path.Join(rootDir, name)] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return compile.LoadFS(fsys, path.Join(rootDir, s.Entry), compile.LoadOptions{Vars: s.Vars, Environ: s.Environ})
}

// Hash identifies the source, so that a worker compiles each once.
func (s *Source) Hash() string {
	data, _ := json.Marshal(s) // maps marshal in key order
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

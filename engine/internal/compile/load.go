package compile

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine/internal/lang"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Load reads the playbook at path, a file or a directory of *.hcl and
// *.hcl.json files (var files, *.vars.hcl, excluded), resolves its
// variables from opts, and checks it whole: references, types, the module
// bodies against their schemas, and the dependency graph. Nothing connects
// to any host.
//
// The returned Program is never nil: when the diagnostics hold errors it
// serves only to print them (Files), and Valid reports false.
func Load(path string, opts LoadOptions) (*Program, hcl.Diagnostics) {
	origin, err := filepath.Abs(path)
	if err != nil {
		origin = path
	}
	return load(osSource{}, path, origin, opts)
}

// LoadFS is Load for a playbook in fsys (such as an embedded one); dir is
// a directory or a file of fsys. Var files are still read from the
// operating system's file system.
func LoadFS(fsys fs.FS, dir string, opts LoadOptions) (*Program, hcl.Diagnostics) {
	return load(fsSource{fsys}, dir, "embedded:"+dir, opts)
}

// loader holds the state of one Load.
type loader struct {
	p      *Program
	parser *hclparse.Parser
	opts   LoadOptions
	diags  hcl.Diagnostics
	// declaration ranges of named items, for duplicate checks
	seen map[declKey]hcl.Range
	// shown replaces the parser's files in what diagnostics show: a file
	// refused before parsing is shown as read, and a var file that may
	// hold a sensitive value is shown without its source.
	shown map[string]*hcl.File
}

// load runs every phase of loading, stopping after a phase whose errors
// would make the next one report nonsense.
func load(src source, root, origin string, opts LoadOptions) (*Program, hcl.Diagnostics) {
	l := &loader{
		p: &Program{
			origin:   origin,
			varIdx:   map[string]*variable{},
			localIdx: map[string]*localValue{},
			hostIdx:  map[string]*Host{},
			taskIdx:  map[string]*task{},
			secrets:  &lang.Redactor{},
		},
		parser: hclparse.NewParser(),
		opts:   opts,
		seen:   map[declKey]hcl.Range{},
		shown:  map[string]*hcl.File{},
	}
	files, dir := l.readPlaybook(src, root)
	l.p.funcs = lang.Functions(func(name string) ([]byte, string, error) { return readRelative(src, dir, name) })
	if l.diags.HasErrors() {
		return l.finish()
	}
	l.decodeFiles(files)
	l.decodeInventory()
	l.addLocalHost()
	l.resolveVariables()
	if !l.evalLocalsAndHosts() {
		return l.finish()
	}
	l.p.base = l.baseContext()
	l.expandTasks()
	if l.buildGraph() {
		l.typecheck()
	}
	return l.finish()
}

// finish redacts and sorts the diagnostics and marks the playbook valid
// when there are no errors.
func (l *loader) finish() (*Program, hcl.Diagnostics) {
	l.p.secrets.RedactDiags(l.diags)
	sortDiags(l.diags)
	l.p.valid = !l.diags.HasErrors()
	l.p.files = l.parser.Files()
	for name, f := range l.shown {
		l.p.files[name] = f
	}
	return l.p, l.diags
}

// sortDiags orders diagnostics by file and position; those without a
// place come first. The sort is stable, so diagnostics at one place keep
// the order they were found in.
func sortDiags(diags hcl.Diagnostics) {
	slices.SortStableFunc(diags, func(a, b *hcl.Diagnostic) int {
		switch {
		case a.Subject == nil && b.Subject == nil:
			return 0
		case a.Subject == nil:
			return -1
		case b.Subject == nil:
			return 1
		}
		if c := strings.Compare(a.Subject.Filename, b.Subject.Filename); c != 0 {
			return c
		}
		return a.Subject.Start.Byte - b.Subject.Start.Byte
	})
}

// readPlaybook reads and parses the playbook's files and returns them in
// name order, with the directory that file and templatefile read from.
func (l *loader) readPlaybook(src source, root string) ([]*hcl.File, string) {
	info, err := src.stat(root)
	if err != nil {
		l.errorf(nil, "Cannot read playbook", "%s", fileError(root, err))
		return nil, root
	}
	names := []string{root}
	dir := src.dir(root)
	if info.IsDir() {
		dir = root
		if names, err = playbookFiles(src, root); err != nil {
			l.errorf(nil, "Cannot read playbook", "%s", err)
			return nil, dir
		}
		if len(names) == 0 {
			l.errorf(nil, "Empty playbook", "The directory %s holds no *.hcl or *.hcl.json file.", root)
			return nil, dir
		}
	}
	var files []*hcl.File
	for _, name := range names {
		data, err := readFile(src, name)
		if err != nil {
			l.errorf(nil, "Cannot read playbook file", "%s", err)
			continue
		}
		if f := l.parse(data, name); f != nil {
			files = append(files, f)
			l.p.sources = append(l.p.sources, namedFile{name, f})
		}
	}
	return files, dir
}

// playbookFiles lists the playbook files of a directory, sorted by name:
// *.hcl and *.hcl.json, but not var files (*.vars.hcl, *.vars.hcl.json)
// nor hidden files.
func playbookFiles(src source, dir string) ([]string, error) {
	entries, err := src.readDir(dir)
	if err != nil {
		return nil, fileError(dir, err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || isVarFile(n) || e.IsDir() {
			continue
		}
		if strings.HasSuffix(n, ".hcl") || strings.HasSuffix(n, ".hcl.json") {
			names = append(names, src.join(dir, n))
		}
	}
	slices.Sort(names)
	return names, nil
}

// isVarFile reports whether a file name is that of a var file.
func isVarFile(name string) bool {
	return strings.HasSuffix(name, ".vars.hcl") || strings.HasSuffix(name, ".vars.hcl.json")
}

// parse parses one file in HCL native or JSON syntax (by its name),
// refusing absurd nesting first. It returns nil when the file has errors.
func (l *loader) parse(data []byte, name string) *hcl.File {
	isJSON := strings.HasSuffix(name, ".json")
	var diags hcl.Diagnostics
	if isJSON {
		diags = lang.CheckJSONNesting(data, name)
	} else {
		diags = lang.CheckNesting(data, name, false)
	}
	if diags != nil {
		l.diags = append(l.diags, diags...)
		l.shown[name] = &hcl.File{Bytes: data}
		return nil
	}
	var f *hcl.File
	if isJSON {
		f, diags = l.parser.ParseJSON(data, name)
	} else {
		f, diags = l.parser.ParseHCL(data, name)
	}
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	return f
}

// errorf records an error diagnostic.
func (l *loader) errorf(subject *hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  subject,
	})
}

// declKey names a declared item: its kind and its name.
type declKey struct{ kind, name string }

// declare records a named item, reporting a duplicate. kind is the item's
// kind as messages name it ("task", "host", "variable", "local value").
func (l *loader) declare(kind, name string, rng hcl.Range) bool {
	key := declKey{kind, name}
	if prev, dup := l.seen[key]; dup {
		l.errorf(rng.Ptr(), "Duplicate "+kind,
			"A %s named %q was already declared at %s. Names of %ss must be unique in the playbook.", kind, name, prev, kind)
		return false
	}
	l.seen[key] = rng
	return true
}

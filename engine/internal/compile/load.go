package compile

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/lang"
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
	return load(config.OS(), path, origin, opts)
}

// LoadFS is Load for a playbook in fsys (such as an embedded one); dir is
// a directory or a file of fsys. Var files and inventory files are read
// from LoadOptions.Files, by default the operating system's file system.
func LoadFS(fsys fs.FS, dir string, opts LoadOptions) (*Program, hcl.Diagnostics) {
	return load(config.FS(fsys), dir, "embedded:"+dir, opts)
}

// loader holds the state of one Load.
type loader struct {
	p      *Program
	parser *config.Parser
	opts   LoadOptions
	diags  hcl.Diagnostics
}

// load runs every phase of loading, stopping after a phase whose errors
// would make the next one report nonsense.
func load(src config.Source, root, origin string, opts LoadOptions) (*Program, hcl.Diagnostics) {
	l := &loader{
		p: &Program{
			origin:  origin,
			hostIdx: map[string]*Host{},
			taskIdx: map[string]*task{},
			secrets: &lang.Redactor{},
		},
		parser: config.NewParser(),
		opts:   opts,
	}
	named, dir, diags := l.parser.ReadPlaybook(src, root)
	l.diags = append(l.diags, diags...)
	l.p.sources = append(l.p.sources, named...)
	l.p.funcs = lang.Functions(func(name string) ([]byte, string, error) { return config.ReadRelative(src, dir, name) })
	if l.diags.HasErrors() {
		l.checkVarFileSyntax()
		return l.finish()
	}
	cfg, diags := config.Decode(l.parser, src, l.opts.Bundled, named, l.extraFiles(), l.opts.Inventory)
	l.diags = append(l.diags, diags...)
	if cfg.InventoryUnread { // every reference to its hosts and groups would be an error
		l.checkVarFileSyntax()
		return l.finish()
	}
	l.build(cfg)
	l.addLocalHost()
	l.resolveVariables()
	if !l.evalLocalsAndHosts() {
		return l.finish()
	}
	l.validateRoleVariables()
	l.p.root.walk(func(s *scope) { s.base = l.baseContext(s) })
	l.evalRoles()
	l.expandTasks()
	l.checkOutputs()
	if l.buildGraph() {
		l.typecheck()
	}
	l.warnWithoutTasks(root)
	return l.finish()
}

// warnWithoutTasks warns that the playbook at root declares no task, in
// its files or its roles: running it would do nothing.
func (l *loader) warnWithoutTasks(root string) {
	if len(l.p.tasks) > 0 || l.diags.HasErrors() {
		return
	}
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  "Playbook has no tasks",
		Detail:   fmt.Sprintf("%s declares no task, in its files or its roles: running it does nothing.", root),
	})
}

// finish redacts and sorts the diagnostics and marks the playbook valid
// when there are no errors.
func (l *loader) finish() (*Program, hcl.Diagnostics) {
	l.p.secrets.RedactDiags(l.diags)
	sortDiags(l.diags)
	l.diags = dedupDiags(l.diags)
	l.p.valid = !l.diags.HasErrors()
	l.p.files = l.parser.Files()
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

// dedupDiags drops the diagnostics that say the same at the same place
// as one before them, as the errors in the files of a role used twice do.
func dedupDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	type key struct {
		sev             hcl.DiagnosticSeverity
		summary, detail string
		subject         hcl.Range
	}
	seen := map[key]bool{}
	return slices.DeleteFunc(diags, func(d *hcl.Diagnostic) bool {
		k := key{d.Severity, d.Summary, d.Detail, hcl.Range{}}
		if d.Subject != nil {
			k.subject = *d.Subject
		}
		dup := seen[k]
		seen[k] = true
		return dup
	})
}

// errorf records an error diagnostic.
func (l *loader) errorf(subject *hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, config.Errorf(subject, summary, format, args...))
}

// parse parses one file (see config.Parser.Parse), recording its
// diagnostics; it returns nil when the file has errors.
func (l *loader) parse(data []byte, name string) *hcl.File {
	f, diags := l.parser.Parse(data, name)
	l.diags = append(l.diags, diags...)
	return f
}

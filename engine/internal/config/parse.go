package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/runbookhq/runbook/engine/internal/lang"
)

// NamedFile is a parsed file with its name.
type NamedFile struct {
	Name string
	File *hcl.File
}

// Parser reads and parses the files of a playbook, of its inventory and
// of its var files, and keeps them for the diagnostics that show their
// source.
type Parser struct {
	parser *hclparse.Parser
	// shown replaces the parser's files in what diagnostics show: a file
	// refused before parsing is shown as read, and a var file that may
	// hold a sensitive value is shown without its source.
	shown map[string]*hcl.File
}

// NewParser returns a Parser that has read nothing.
func NewParser() *Parser {
	return &Parser{parser: hclparse.NewParser(), shown: map[string]*hcl.File{}}
}

// Hide keeps diagnostics from showing the source of the file called name.
func (p *Parser) Hide(name string) { p.shown[name] = &hcl.File{} }

// Files returns the files read, by name, as diagnostics may show them.
func (p *Parser) Files() map[string]*hcl.File {
	files := p.parser.Files()
	for name, f := range p.shown {
		files[name] = f
	}
	return files
}

// Errorf returns an error diagnostic.
func Errorf(subject *hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  subject,
	}
}

// ReadPlaybook reads and parses the playbook's files at root, a file or a
// directory, and returns them in name order, with the directory that
// file and templatefile read from.
func (p *Parser) ReadPlaybook(src Source, root string) ([]NamedFile, string, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	info, err := src.stat(root)
	if err != nil {
		return nil, root, append(diags, Errorf(nil, "Cannot read playbook", "%s", fileError(root, err)))
	}
	names := []string{root}
	dir := src.dir(root)
	if info.IsDir() {
		dir = root
		if names, err = playbookFiles(src, root); err != nil {
			return nil, dir, append(diags, Errorf(nil, "Cannot read playbook", "%s", err))
		}
		if len(names) == 0 {
			return nil, dir, append(diags, Errorf(nil, "Empty playbook", "The directory %s holds no *.hcl or *.hcl.json file.", root))
		}
	}
	var files []NamedFile
	for _, name := range names {
		data, err := ReadFile(src, name)
		if err != nil {
			diags = append(diags, Errorf(nil, "Cannot read playbook file", "%s", err))
			continue
		}
		f, ds := p.Parse(data, name)
		diags = append(diags, ds...)
		if f != nil {
			files = append(files, NamedFile{name, f})
		}
	}
	return files, dir, diags
}

// playbookFiles lists the playbook files of a directory, sorted by name:
// *.hcl and *.hcl.json, but not var files (*.vars.hcl, *.vars.hcl.json)
// nor hidden files.
func playbookFiles(src Source, dir string) ([]string, error) {
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

// Parse parses one file in HCL native or JSON syntax (by its name),
// refusing absurd nesting first. It returns nil when the file has errors,
// which it reports as syntaxErrors leaves them.
func (p *Parser) Parse(data []byte, name string) (*hcl.File, hcl.Diagnostics) {
	isJSON := strings.HasSuffix(name, ".json")
	var diags hcl.Diagnostics
	if isJSON {
		diags = lang.CheckJSONNesting(data, name)
	} else {
		diags = lang.CheckNesting(data, name, false)
	}
	if diags != nil {
		p.shown[name] = &hcl.File{Bytes: data}
		return nil, diags
	}
	var f *hcl.File
	if isJSON {
		f, diags = p.parser.ParseJSON(data, name)
	} else {
		f, diags = p.parser.ParseHCL(data, name)
	}
	if diags.HasErrors() {
		return nil, syntaxErrors(diags)
	}
	return f, diags
}

// unclosedString is the summary of the scanner's error at the end of a
// line inside a quoted string.
const unclosedString = "Invalid multi-line string"

// syntaxErrors returns the errors of diags, a file's syntax errors, in
// the order of their place in the file, without those that may only
// follow from one before them: an error at the place of an earlier one
// (the parser's complaint about a character the scanner refused), and
// every error after a quoted string left open, whose missing quote turns
// the rest of the file inside out; that string's error says how many it
// hides. (The parser itself reports none of its errors after its first.)
func syntaxErrors(diags hcl.Diagnostics) hcl.Diagnostics {
	var errs hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs = append(errs, d)
		}
	}
	slices.SortStableFunc(errs, func(a, b *hcl.Diagnostic) int {
		return cmp.Compare(startByte(a), startByte(b))
	})
	var shown hcl.Diagnostics
	for i, d := range errs {
		if len(shown) > 0 && d.Subject != nil && startByte(shown[len(shown)-1]) == startByte(d) {
			continue
		}
		if d.Summary == unclosedString && i < len(errs)-1 {
			c := *d
			hidden := "The 1 other syntax error the parser found after it in this file is not shown"
			if n := len(errs) - 1 - i; n > 1 {
				hidden = fmt.Sprintf("The %d other syntax errors the parser found after it in this file are not shown", n)
			}
			c.Detail += " (" + hidden + ": a quote missing here makes what follows read inside out. Fix it and try again.)"
			return append(shown, &c)
		}
		shown = append(shown, d)
	}
	return shown
}

// startByte returns the offset in its file where d's subject starts, or
// -1 when it has none.
func startByte(d *hcl.Diagnostic) int {
	if d.Subject == nil {
		return -1
	}
	return d.Subject.Start.Byte
}

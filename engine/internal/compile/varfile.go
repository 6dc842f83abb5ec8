package compile

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/config"
)

// readVarFile reads a var file: attributes NAME = VALUE in HCL syntax,
// whose values are constants.
func (l *loader) readVarFile(path string) {
	f := l.parseVarFile(path)
	if f == nil {
		l.hideVarFile(path, nil)
		return
	}
	attrs, diags := f.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		attrs = nil // what the file sets is not known
	}
	l.hideVarFile(path, attrs)
	for _, a := range config.SortedAttrs(attrs) {
		v := l.undeclared(a.Name, a.NameRange.Ptr(), "the var file "+path)
		if v != nil {
			l.assignConstant(v, a.Expr, valueSource{what: "the var file " + path, rng: a.Expr.Range().Ptr()})
		}
	}
}

// parseVarFile reads and parses the var file at path, reporting why it
// cannot; nil when it cannot.
func (l *loader) parseVarFile(path string) *hcl.File {
	data, err := config.ReadFile(l.extraFiles(), path)
	if err != nil {
		l.errorf(nil, "Cannot read var file", "%s", err)
		return nil
	}
	return l.parse(data, path)
}

// checkVarFileSyntax parses the var files only to report their syntax
// errors with the playbook's, which end the load before the var files are
// read. What the playbook declares sensitive is not known then: no
// diagnostic shows their source.
func (l *loader) checkVarFileSyntax() {
	for _, path := range l.opts.VarFiles {
		l.parseVarFile(path)
		l.parser.Hide(path)
	}
}

// hideVarFile keeps diagnostics from showing the source of the var file
// at path when it may hold a sensitive value: when the playbook declares
// a sensitive variable and the file sets it, sets a variable that is not
// declared (it may be a sensitive one misspelt), or cannot be read as
// attributes (attrs is nil). Diagnostics about such a file still name it
// and the line; the value of a sensitive variable is never shown.
func (l *loader) hideVarFile(path string, attrs hcl.Attributes) {
	if !slices.ContainsFunc(l.p.vars, func(v *variable) bool { return v.sensitive }) {
		return
	}
	safe := attrs != nil
	for name := range attrs {
		if v := l.p.varIdx[name]; v == nil || v.sensitive {
			safe = false
		}
	}
	if !safe {
		l.parser.Hide(path)
	}
}

// extraFiles returns the Source that var files and inventory files are
// read from: LoadOptions.Files, else the operating system's.
func (l *loader) extraFiles() config.Source {
	if l.opts.Files != nil {
		return config.FS(l.opts.Files)
	}
	return config.OS()
}

package compile

import (
	"slices"
	"strings"
	"unicode"

	"github.com/runbookhq/runbook/engine/internal/lang"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// rootSchema is the schema of a playbook file.
var rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
	{Type: "host", LabelNames: []string{"name"}},
	{Type: "task", LabelNames: []string{"module", "name"}},
}}

// decodeFiles decodes the top-level blocks of every file and sorts what
// they declare by name. Nothing is evaluated yet.
func (l *loader) decodeFiles(files []*hcl.File) {
	for _, f := range files {
		content, diags := f.Body.Content(rootSchema)
		l.diags = append(l.diags, diags...)
		for _, b := range content.Blocks {
			switch b.Type {
			case "variable":
				l.decodeVariableBlock(b)
			case "locals":
				l.decodeLocalsBlock(b)
			case "host":
				l.decodeHostBlock(b)
			case "task":
				l.decodeTaskBlock(b)
			}
		}
	}
	p := l.p
	slices.SortFunc(p.vars, func(a, b *variable) int { return strings.Compare(a.name, b.name) })
	slices.SortFunc(p.locals, func(a, b *localValue) int { return strings.Compare(a.name, b.name) })
	slices.SortFunc(p.tasks, func(a, b *task) int { return strings.Compare(a.name, b.name) })
}

// validName checks that a block label is a valid name, so that references
// can spell it.
func (l *loader) validName(kind, name string, rng hcl.Range) bool {
	if validIdentifier(name) {
		return true
	}
	l.errorf(rng.Ptr(), "Invalid "+kind+" name",
		"%q is not a valid name: a name starts with a letter or an underscore and holds only letters, digits, underscores and dashes.", name)
	return false
}

// validIdentifier reports whether s is a name references can spell: a
// letter or an underscore, then letters, digits, underscores and dashes.
func validIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && (r == '-' || unicode.IsDigit(r))) {
			return false
		}
	}
	return s != ""
}

// decodeLocalsBlock records the local values of a locals block.
func (l *loader) decodeLocalsBlock(b *hcl.Block) {
	attrs, diags := b.Body.JustAttributes()
	l.diags = append(l.diags, diags...)
	for _, a := range sortedAttrs(attrs) {
		if !l.declare("local value", a.Name, a.NameRange) {
			continue
		}
		lv := &localValue{name: a.Name, attr: a, value: cty.DynamicVal}
		l.p.locals = append(l.p.locals, lv)
		l.p.localIdx[a.Name] = lv
	}
}

// sortedAttrs returns attrs ordered by their place in the source.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	list := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, a)
	}
	slices.SortFunc(list, func(a, b *hcl.Attribute) int {
		if c := strings.Compare(a.Range.Filename, b.Range.Filename); c != 0 {
			return c
		}
		return a.Range.Start.Byte - b.Range.Start.Byte
	})
	return list
}

// constValue evaluates an attribute that may not refer to anything and
// converts it to ty; a null value is refused.
func (l *loader) constValue(a *hcl.Attribute, ty cty.Type) (cty.Value, bool) {
	v, diags := lang.Eval(a.Expr, &hcl.EvalContext{Functions: l.p.funcs})
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return l.convertAttr(a, v, ty)
}

// convertAttr converts the value of an attribute to ty, refusing null and
// reporting a wrong type.
func (l *loader) convertAttr(a *hcl.Attribute, v cty.Value, ty cty.Type) (cty.Value, bool) {
	if v.IsNull() {
		l.errorf(a.Expr.Range().Ptr(), "Invalid "+a.Name, "%s must not be null.", a.Name)
		return cty.NilVal, false
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		l.errorf(a.Expr.Range().Ptr(), "Invalid "+a.Name, "%s must be a %s: %s.", a.Name, ty.FriendlyName(), lang.ConvertMessage(err))
		return cty.NilVal, false
	}
	return cv, true
}

package compile

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/zclconf/go-cty/cty"
)

// variableSchema is the schema of a variable block.
var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}, {Name: "sensitive"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "validation"}},
}

// validationSchema is the schema of a variable's validation block.
var validationSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "condition", Required: true},
	{Name: "error_message", Required: true},
}}

// decodeVariableBlock decodes a variable block: its type, default,
// description, sensitivity and validation rules.
func (l *loader) decodeVariableBlock(b *hcl.Block) {
	name := b.Labels[0]
	if !l.validName("variable", name, b.LabelRanges[0]) || !l.declare("variable", name, b.LabelRanges[0]) {
		return
	}
	v := &variable{name: name, decl: b.DefRange, typ: cty.DynamicPseudoType, value: cty.DynamicVal}
	l.p.vars = append(l.p.vars, v)
	l.p.varIdx[name] = v
	content, diags := b.Body.Content(variableSchema)
	l.diags = append(l.diags, diags...)
	if a := content.Attributes["type"]; a != nil {
		ty, defaults, diags := typeConstraint(a.Expr)
		l.diags = append(l.diags, diags...)
		if !diags.HasErrors() {
			v.typ, v.defaults = ty, defaults
		}
	}
	if a := content.Attributes["description"]; a != nil {
		if s, ok := l.constValue(a, cty.String); ok {
			v.description = s.AsString()
		}
	}
	if a := content.Attributes["sensitive"]; a != nil {
		if s, ok := l.constValue(a, cty.Bool); ok {
			v.sensitive = s.True()
		}
	}
	v.def = content.Attributes["default"]
	for _, vb := range content.Blocks {
		vc, diags := vb.Body.Content(validationSchema)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		v.validations = append(v.validations, validation{cond: vc.Attributes["condition"].Expr, msg: vc.Attributes["error_message"].Expr})
	}
}

// typeConstraint reads a type expression such as list(string) or
// object({ port = optional(number, 22) }). In JSON syntax the type is a
// string holding the same expression.
func typeConstraint(expr hcl.Expression) (cty.Type, *typeexpr.Defaults, hcl.Diagnostics) {
	if _, native := expr.(hclsyntax.Expression); native {
		return typeexpr.TypeConstraintWithDefaults(expr)
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return cty.DynamicPseudoType, nil, diags
	}
	if v.Type() != cty.String || v.IsNull() {
		return cty.DynamicPseudoType, nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid type",
			Detail:   "In JSON syntax a type is a string holding a type expression, such as \"list(string)\".",
			Subject:  expr.Range().Ptr(),
		}}
	}
	src := []byte(v.AsString())
	if diags := lang.CheckNesting(src, expr.Range().Filename, false); diags != nil {
		return cty.DynamicPseudoType, nil, diags
	}
	native, diags := hclsyntax.ParseExpression(src, expr.Range().Filename, expr.Range().Start)
	if diags.HasErrors() {
		return cty.DynamicPseudoType, nil, diags
	}
	return typeexpr.TypeConstraintWithDefaults(native)
}

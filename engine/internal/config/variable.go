package config

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

// variableBlock decodes a variable block: its type, default,
// description, sensitivity and validation rules.
func (d *decoder) variableBlock(b *hcl.Block) {
	name := b.Labels[0]
	if !d.validName("variable", name, b.LabelRanges[0]) || !d.declare("variable", name, b.LabelRanges[0]) {
		return
	}
	v := &Variable{Name: name, Decl: b.DefRange, Type: cty.DynamicPseudoType}
	d.cfg.Variables = append(d.cfg.Variables, v)
	content, diags := b.Body.Content(variableSchema)
	d.diags = append(d.diags, diags...)
	if a := content.Attributes["type"]; a != nil {
		ty, defaults, diags := typeConstraint(a.Expr)
		d.diags = append(d.diags, diags...)
		if !diags.HasErrors() {
			v.Type, v.Defaults = ty, defaults
		}
	}
	v.DescriptionAttr, v.SensitiveAttr = content.Attributes["description"], content.Attributes["sensitive"]
	v.Default = content.Attributes["default"]
	for _, vb := range content.Blocks {
		vc, diags := vb.Body.Content(validationSchema)
		d.diags = append(d.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		v.Validations = append(v.Validations, Validation{Condition: vc.Attributes["condition"].Expr, ErrorMessage: vc.Attributes["error_message"].Expr})
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

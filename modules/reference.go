package modules

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Reference is what the documentation of a module shows: its name and
// description, its arguments and its outputs, in the order of their struct
// fields, and whether it can say in check mode what it would change.
type Reference struct {
	Name, Doc string
	Arguments []Argument
	Outputs   []Output
	// Check reports that the module implements engine.Checker.
	Check bool
}

// Argument is one argument of a module. Type is the type a playbook
// writes, implied by the field's Go type (e.g. "list(string)", or "any");
// Default is the value ModuleInfo.New puts in the field, as a JSON literal,
// or "" when that is the zero value of its type.
type Argument struct {
	Name, Type, Default, Doc string
	Required                 bool
}

// Output is one output of a module, with its type as a playbook writes it.
// Sensitive is set by the field's sensitive:"true" tag: the engine then
// treats the output's value as sensitive.
type Output struct {
	Name, Type, Doc string
	Sensitive       bool
}

// Describe reads the reference of a module from its schema (see
// module.SchemaOf): the hcl, cty, doc and sensitive tags of the fields of
// its argument and outputs structs, and the defaults that info.New sets.
func Describe(info engine.ModuleInfo) (Reference, error) {
	schema, err := module.SchemaOf(info)
	if err != nil {
		return Reference{}, err
	}
	args, err := arguments(info, schema)
	if err != nil {
		return Reference{}, fmt.Errorf("module %s: %w", info.Name, err)
	}
	_, check := info.New().(engine.Checker)
	return Reference{Name: info.Name, Doc: info.Doc, Arguments: args, Outputs: outputs(schema), Check: check}, nil
}

// WriteReference writes the Markdown reference of the given modules, in
// the order given: for each, a section headed by its name with its
// description, a table of its arguments (name, type, whether it is
// required, default, description) and a table of its outputs (name, type,
// whether it is sensitive, description), as Describe reads them.
func WriteReference(w io.Writer, infos []engine.ModuleInfo) error {
	var buf bytes.Buffer
	for i, info := range infos {
		ref, err := Describe(info)
		if err != nil {
			return err
		}
		if i > 0 {
			buf.WriteString("\n")
		}
		writeMarkdown(&buf, ref)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// CheckMode says what the module does in check mode (runbook run --check).
func (r Reference) CheckMode() string {
	if r.Check {
		return "Check mode: supported; --check says whether it would change something, and --diff how, without changing anything."
	}
	return "Check mode: not supported; --check reports it as \"cannot predict\" and does not run it."
}

// writeMarkdown writes the Markdown section of one module.
func writeMarkdown(buf *bytes.Buffer, ref Reference) {
	fmt.Fprintf(buf, "## %s\n\n", ref.Name)
	if ref.Doc != "" {
		fmt.Fprintf(buf, "%s\n\n", ref.Doc)
	}
	fmt.Fprintf(buf, "%s\n\n", ref.CheckMode())
	buf.WriteString("### Arguments\n\n")
	if len(ref.Arguments) == 0 {
		buf.WriteString("None.\n")
	} else {
		buf.WriteString("| Name | Type | Required | Default | Description |\n| --- | --- | --- | --- | --- |\n")
	}
	for _, a := range ref.Arguments {
		fmt.Fprintf(buf, "| `%s` | %s | %s | %s | %s |\n", a.Name, cell(a.Type), yesNo(a.Required), codeCell(a.Default), cell(a.Doc))
	}
	buf.WriteString("\n### Outputs\n\n")
	if len(ref.Outputs) == 0 {
		buf.WriteString("None.\n")
	} else {
		buf.WriteString("| Name | Type | Sensitive | Description |\n| --- | --- | --- | --- |\n")
	}
	for _, o := range ref.Outputs {
		fmt.Fprintf(buf, "| `%s` | %s | %s | %s |\n", o.Name, cell(o.Type), yesNo(o.Sensitive), cell(o.Doc))
	}
}

// arguments lists the arguments of a module in the order of its struct's
// fields, as its schema has them, with the defaults info.New sets.
func arguments(info engine.ModuleInfo, schema *module.Schema) ([]Argument, error) {
	defaults := reflect.ValueOf(info.New()).Elem()
	list := make([]Argument, 0, len(schema.Arguments))
	for _, a := range schema.Arguments {
		typ := a.TypeString()
		def, err := defaultString(defaults.FieldByIndex(a.Index), typ)
		if err != nil {
			return nil, fmt.Errorf("argument %s: %w", a.Name, err)
		}
		list = append(list, Argument{Name: a.Name, Type: typ, Default: def, Doc: a.Doc, Required: a.Required})
	}
	return list, nil
}

// outputs lists the outputs of a module in the order of its outputs
// struct's fields, as its schema has them.
func outputs(schema *module.Schema) []Output {
	list := make([]Output, 0, len(schema.Outputs))
	for _, o := range schema.Outputs {
		list = append(list, Output{Name: o.Name, Type: typeexpr.TypeString(o.Type), Doc: o.Doc, Sensitive: o.Sensitive})
	}
	return list
}

// defaultString returns a field's default as a literal, or "" when it is
// the zero value of its type. The literal is JSON, which reads the same as
// HCL for the strings, numbers, bools and lists that defaults are.
func defaultString(v reflect.Value, typ string) (string, error) {
	if v.IsZero() {
		return "", nil
	}
	val, ok := v.Interface().(cty.Value)
	if !ok {
		ty, err := gocty.ImpliedType(v.Interface())
		if err != nil {
			return "", err
		}
		if val, err = gocty.ToCtyValue(v.Interface(), ty); err != nil {
			return "", fmt.Errorf("default of type %s: %w", typ, err)
		}
	}
	lit, err := ctyjson.Marshal(val, val.Type())
	if err != nil {
		return "", fmt.Errorf("default of type %s: %w", typ, err)
	}
	return string(lit), nil
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// codeCell shows s as code in a Markdown table cell, or leaves the cell
// empty.
func codeCell(s string) string {
	if s == "" {
		return ""
	}
	return "`" + cell(s) + "`"
}

// yesNo renders a bool for a table.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

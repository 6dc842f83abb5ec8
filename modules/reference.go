package modules

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/runbookhq/runbook/engine"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Reference is what the documentation of a module shows: its name and
// description, its arguments and its outputs, in the order of their struct
// fields.
type Reference struct {
	Name, Doc string
	Arguments []Argument
	Outputs   []Output
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

// Describe reads the reference of a module from its argument and outputs
// structs: the hcl, cty, doc and sensitive tags of their fields, and the
// defaults that info.New sets.
func Describe(info engine.ModuleInfo) (Reference, error) {
	args, err := arguments(info)
	if err != nil {
		return Reference{}, fmt.Errorf("module %s: %w", info.Name, err)
	}
	outs, err := outputs(info)
	if err != nil {
		return Reference{}, fmt.Errorf("module %s: %w", info.Name, err)
	}
	return Reference{Name: info.Name, Doc: info.Doc, Arguments: args, Outputs: outs}, nil
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

// writeMarkdown writes the Markdown section of one module.
func writeMarkdown(buf *bytes.Buffer, ref Reference) {
	fmt.Fprintf(buf, "## %s\n\n", ref.Name)
	if ref.Doc != "" {
		fmt.Fprintf(buf, "%s\n\n", ref.Doc)
	}
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
// fields.
func arguments(info engine.ModuleInfo) ([]Argument, error) {
	defaults := reflect.ValueOf(info.New()).Elem()
	var list []Argument
	for i := range defaults.NumField() {
		field := defaults.Type().Field(i)
		tag, ok := field.Tag.Lookup("hcl")
		if !ok || tag == "-" {
			continue
		}
		name, kind, _ := strings.Cut(tag, ",")
		if kind != "" && kind != "attr" && kind != "optional" {
			return nil, fmt.Errorf("field %s: the reference cannot show hcl %q fields", field.Name, kind)
		}
		typ, err := typeString(field.Type)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", field.Name, err)
		}
		def, err := defaultString(defaults.Field(i), typ)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", field.Name, err)
		}
		list = append(list, Argument{Name: name, Type: typ, Default: def, Doc: field.Tag.Get("doc"), Required: kind != "optional"})
	}
	return list, nil
}

// outputs lists the outputs of a module in the order of its outputs
// struct's fields.
func outputs(info engine.ModuleInfo) ([]Output, error) {
	if info.Outputs == nil {
		return nil, nil
	}
	t := reflect.TypeOf(info.Outputs)
	var list []Output
	for i := range t.NumField() {
		field := t.Field(i)
		name, ok := field.Tag.Lookup("cty")
		if !ok {
			continue
		}
		typ, err := typeString(field.Type)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", name, err)
		}
		list = append(list, Output{Name: name, Type: typ, Doc: field.Tag.Get("doc"), Sensitive: field.Tag.Get("sensitive") == "true"})
	}
	return list, nil
}

// ctyValueType is the type of fields that take any value.
var ctyValueType = reflect.TypeFor[cty.Value]()

// typeString returns the type a playbook writes for a field of Go type t,
// e.g. "list(string)", "any" for a cty.Value or interface field, or
// "host" for an engine.HostRef field.
func typeString(t reflect.Type) (string, error) {
	switch {
	case t == ctyValueType || t.Kind() == reflect.Interface:
		return "any", nil
	case t == reflect.TypeFor[engine.HostRef]():
		return "host", nil
	}
	ty, err := gocty.ImpliedType(reflect.Zero(t).Interface())
	if err != nil {
		return "", err
	}
	return typeexpr.TypeString(ty), nil
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

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

// WriteReference writes the Markdown reference of the given modules, in
// the order given: for each, a section headed by its name with its
// description, a table of its arguments (name, type, whether it is
// required, default, description) and a table of its outputs (name, type,
// whether it is sensitive, description). Types are those a playbook
// writes, implied by the Go types of the fields; defaults are the values
// ModuleInfo.New puts in the struct.
func WriteReference(w io.Writer, infos []engine.ModuleInfo) error {
	var buf bytes.Buffer
	for i, info := range infos {
		if i > 0 {
			buf.WriteString("\n")
		}
		if err := writeModule(&buf, info); err != nil {
			return fmt.Errorf("module %s: %w", info.Name, err)
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// argumentDoc is one row of a module's arguments table.
type argumentDoc struct {
	name, typ, def, doc string
	required            bool
}

// outputDoc is one row of a module's outputs table.
type outputDoc struct {
	name, typ, doc string
	sensitive      bool
}

// writeModule writes the section of one module.
func writeModule(buf *bytes.Buffer, info engine.ModuleInfo) error {
	args, err := arguments(info)
	if err != nil {
		return err
	}
	outs, err := outputs(info)
	if err != nil {
		return err
	}
	fmt.Fprintf(buf, "## %s\n\n", info.Name)
	if info.Doc != "" {
		fmt.Fprintf(buf, "%s\n\n", info.Doc)
	}
	buf.WriteString("### Arguments\n\n")
	if len(args) == 0 {
		buf.WriteString("None.\n")
	} else {
		buf.WriteString("| Name | Type | Required | Default | Description |\n| --- | --- | --- | --- | --- |\n")
	}
	for _, a := range args {
		fmt.Fprintf(buf, "| `%s` | %s | %s | %s | %s |\n", a.name, cell(a.typ), yesNo(a.required), codeCell(a.def), cell(a.doc))
	}
	buf.WriteString("\n### Outputs\n\n")
	if len(outs) == 0 {
		buf.WriteString("None.\n")
	} else {
		buf.WriteString("| Name | Type | Sensitive | Description |\n| --- | --- | --- | --- |\n")
	}
	for _, o := range outs {
		fmt.Fprintf(buf, "| `%s` | %s | %s | %s |\n", o.name, cell(o.typ), yesNo(o.sensitive), cell(o.doc))
	}
	return nil
}

// arguments lists the arguments of a module in the order of its struct's
// fields.
func arguments(info engine.ModuleInfo) ([]argumentDoc, error) {
	defaults := reflect.ValueOf(info.New()).Elem()
	var list []argumentDoc
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
		list = append(list, argumentDoc{name: name, typ: typ, def: def, doc: field.Tag.Get("doc"), required: kind != "optional"})
	}
	return list, nil
}

// outputs lists the outputs of a module in the order of its outputs
// struct's fields.
func outputs(info engine.ModuleInfo) ([]outputDoc, error) {
	if info.Outputs == nil {
		return nil, nil
	}
	t := reflect.TypeOf(info.Outputs)
	var list []outputDoc
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
		list = append(list, outputDoc{name: name, typ: typ, doc: field.Tag.Get("doc"), sensitive: field.Tag.Get("sensitive") == "true"})
	}
	return list, nil
}

// ctyValueType is the type of fields that take any value.
var ctyValueType = reflect.TypeFor[cty.Value]()

// typeString returns the type a playbook writes for a field of Go type t,
// e.g. "list(string)", or "any" for a cty.Value or interface field.
func typeString(t reflect.Type) (string, error) {
	if t == ctyValueType || t.Kind() == reflect.Interface {
		return "any", nil
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

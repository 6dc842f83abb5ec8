package module

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// Schema is what the Go types of a module imply: its arguments, from the
// hcl tags of its struct, and its outputs, from the cty tags of its
// outputs struct, each in the order of the struct's fields. The engine
// checks and decodes task bodies against it, and the module reference is
// written from it.
type Schema struct {
	Arguments []Argument
	Outputs   []Output
	// OutputType is the object type of the outputs; cty.EmptyObject for
	// a module without outputs.
	OutputType cty.Type
}

// Argument is one argument of a module.
type Argument struct {
	// Name is the argument's name, as playbooks write it.
	Name string
	// Index is the index of its field in the module struct, as
	// reflect.Value.FieldByIndex takes it.
	Index []int
	// Required is set unless the hcl tag says "optional".
	Required bool
	// Kind says how a value is put into the field.
	Kind ArgKind
	// Type is the type a value must convert to; cty.DynamicPseudoType
	// for every Kind but GoValue.
	Type cty.Type
	// Cmdline is set by the tag cmdline:"true": the value reaches the
	// host as arguments of a process.
	Cmdline bool
	// Doc is the sentence of the field's doc tag.
	Doc string
}

// ArgKind says how the engine puts an argument's value into its field.
type ArgKind int

// The kinds of arguments.
const (
	GoValue   ArgKind = iota // a Go value that gocty converts the cty value to
	CtyValue                 // a cty.Value field, set as is
	AnyValue                 // an interface field, set to a plain Go value
	HostValue                // a HostRef field, set from a host object or name
)

// TypeString returns the type of the argument as a playbook writes it:
// "list(string)", say, or "any" for a cty.Value or interface field, or
// "host" for a HostRef.
func (a Argument) TypeString() string {
	if a.Kind == HostValue {
		return "host"
	}
	return typeexpr.TypeString(a.Type)
}

// Output is one output of a module.
type Output struct {
	// Name is the output's name, as references to it write it.
	Name string
	// Type is its type.
	Type cty.Type
	// Sensitive is set by the tag sensitive:"true": the engine treats the
	// value as sensitive.
	Sensitive bool
	// Doc is the sentence of the field's doc tag.
	Doc string
}

var (
	schemaCache  sync.Map // reflect.Type of the module struct -> *Schema or error
	ctyValueType = reflect.TypeFor[cty.Value]()
	hostRefType  = reflect.TypeFor[HostRef]()
)

// SchemaOf returns the schema of a module, computed once for each module
// struct type. The schema is shared: callers do not change it.
func SchemaOf(info Info) (*Schema, error) {
	rt := reflect.TypeOf(info.New()).Elem()
	if s, ok := schemaCache.Load(rt); ok {
		if err, bad := s.(error); bad {
			return nil, err
		}
		return s.(*Schema), nil
	}
	s, err := buildSchema(info, rt)
	if err != nil {
		schemaCache.Store(rt, err)
		return nil, err
	}
	schemaCache.Store(rt, s)
	return s, nil
}

// buildSchema derives the schema of a module from its struct type rt.
func buildSchema(info Info, rt reflect.Type) (*Schema, error) {
	s := &Schema{OutputType: cty.EmptyObject}
	seen := map[string]bool{}
	for i := range rt.NumField() {
		sf := rt.Field(i)
		tag, ok := sf.Tag.Lookup("hcl")
		if !ok || tag == "-" {
			continue
		}
		name, kind, _ := strings.Cut(tag, ",")
		if kind != "" && kind != "optional" && kind != "attr" {
			return nil, fmt.Errorf("module %q: field %s: hcl tag kind %q is not supported; arguments are attributes, tagged \"name\" or \"name,optional\"", info.Name, sf.Name, kind)
		}
		if seen[name] {
			return nil, fmt.Errorf("module %q: two fields are tagged %q", info.Name, name)
		}
		seen[name] = true
		a := Argument{Name: name, Index: sf.Index, Required: kind != "optional", Type: cty.DynamicPseudoType, Cmdline: sf.Tag.Get("cmdline") == "true", Doc: sf.Tag.Get("doc")}
		switch {
		case sf.Type == ctyValueType:
			a.Kind = CtyValue
		case sf.Type.Kind() == reflect.Interface:
			a.Kind = AnyValue
		case sf.Type == hostRefType:
			a.Kind = HostValue
		default:
			ty, err := gocty.ImpliedType(reflect.Zero(sf.Type).Interface())
			if err != nil {
				return nil, fmt.Errorf("module %q: field %s: %w", info.Name, sf.Name, err)
			}
			a.Type = ty
		}
		s.Arguments = append(s.Arguments, a)
	}
	if info.Outputs == nil {
		return s, nil
	}
	out, err := gocty.ImpliedType(info.Outputs)
	if err != nil {
		return nil, fmt.Errorf("module %q: outputs: %w", info.Name, err)
	}
	if !out.IsObjectType() {
		return nil, fmt.Errorf("module %q: outputs must be a struct whose fields carry cty tags", info.Name)
	}
	s.OutputType = out
	ot := reflect.TypeOf(info.Outputs)
	for i := range ot.NumField() {
		sf := ot.Field(i)
		if name, ok := sf.Tag.Lookup("cty"); ok {
			s.Outputs = append(s.Outputs, Output{Name: name, Type: out.AttributeType(name), Sensitive: sf.Tag.Get("sensitive") == "true", Doc: sf.Tag.Get("doc")})
		}
	}
	return s, nil
}

package engine

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// moduleSchema is what the engine knows of a module's Go types: the
// arguments implied by the hcl tags of its struct and the outputs implied
// by the cty tags of its outputs struct.
type moduleSchema struct {
	fields       map[string]*field
	names        []string // argument names, sorted
	required     []string // the names of the required arguments, sorted
	out          cty.Type // object type of the outputs
	outNames     []string // output names, sorted
	sensitiveOut map[string]bool
}

// field is one argument of a module.
type field struct {
	name     string
	index    []int
	required bool
	ty       cty.Type
	kind     fieldKind
	// cmdline is set by the tag cmdline:"true": the argument reaches the
	// host as arguments of a process, and a sensitive value in it is
	// warned about (see cmdlineWarning).
	cmdline bool
}

// fieldKind says how a cty value is put into a field.
type fieldKind int

const (
	fieldGocty fieldKind = iota // through gocty
	fieldCty                    // a cty.Value field, set as is
	fieldAny                    // an interface field, set to a plain Go value
	fieldHost                   // a HostRef field, set from a host object or name
)

var (
	schemaCache  sync.Map // reflect.Type of the module struct -> *moduleSchema or error
	ctyValueType = reflect.TypeFor[cty.Value]()
)

// schemaOf returns the schema of a registered module, computing it once.
func schemaOf(info ModuleInfo) (*moduleSchema, error) {
	rt := reflect.TypeOf(info.New()).Elem()
	if s, ok := schemaCache.Load(rt); ok {
		if err, bad := s.(error); bad {
			return nil, err
		}
		return s.(*moduleSchema), nil
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
func buildSchema(info ModuleInfo, rt reflect.Type) (*moduleSchema, error) {
	s := &moduleSchema{fields: map[string]*field{}, out: cty.EmptyObject, sensitiveOut: map[string]bool{}}
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
		if _, dup := s.fields[name]; dup {
			return nil, fmt.Errorf("module %q: two fields are tagged %q", info.Name, name)
		}
		f := &field{name: name, index: sf.Index, required: kind != "optional", cmdline: sf.Tag.Get("cmdline") == "true"}
		switch {
		case sf.Type == ctyValueType:
			f.ty, f.kind = cty.DynamicPseudoType, fieldCty
		case sf.Type.Kind() == reflect.Interface:
			f.ty, f.kind = cty.DynamicPseudoType, fieldAny
		case sf.Type == hostRefType:
			f.ty, f.kind = cty.DynamicPseudoType, fieldHost
		default:
			ty, err := gocty.ImpliedType(reflect.Zero(sf.Type).Interface())
			if err != nil {
				return nil, fmt.Errorf("module %q: field %s: %w", info.Name, sf.Name, err)
			}
			f.ty = ty
		}
		s.fields[name] = f
		s.names = append(s.names, name)
		if f.required {
			s.required = append(s.required, name)
		}
	}
	slices.Sort(s.names)
	slices.Sort(s.required)
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
	s.out = out
	for name := range out.AttributeTypes() {
		s.outNames = append(s.outNames, name)
	}
	slices.Sort(s.outNames)
	ot := reflect.TypeOf(info.Outputs)
	for i := range ot.NumField() {
		sf := ot.Field(i)
		if name, ok := sf.Tag.Lookup("cty"); ok && sf.Tag.Get("sensitive") == "true" {
			s.sensitiveOut[name] = true
		}
	}
	return s, nil
}

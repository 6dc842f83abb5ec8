package compile

import (
	"slices"

	"github.com/runbookhq/runbook/engine/module"
	"github.com/zclconf/go-cty/cty"
)

// moduleSchema is a module's schema (module.Schema) as the loader and the
// runner look it up: arguments by name, names sorted.
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
	kind     module.ArgKind
	// cmdline is set by the tag cmdline:"true": the argument reaches the
	// host as arguments of a process, and a sensitive value in it is
	// warned about (see cmdlineWarning).
	cmdline bool
}

// schemaOf returns the schema of a registered module.
func schemaOf(info module.Info) (*moduleSchema, error) {
	ms, err := module.SchemaOf(info)
	if err != nil {
		return nil, err
	}
	s := &moduleSchema{fields: map[string]*field{}, out: ms.OutputType, sensitiveOut: map[string]bool{}}
	for _, a := range ms.Arguments {
		s.fields[a.Name] = &field{name: a.Name, index: a.Index, required: a.Required, ty: a.Type, kind: a.Kind, cmdline: a.Cmdline}
		s.names = append(s.names, a.Name)
		if a.Required {
			s.required = append(s.required, a.Name)
		}
	}
	for _, o := range ms.Outputs {
		s.outNames = append(s.outNames, o.Name)
		if o.Sensitive {
			s.sensitiveOut[o.Name] = true
		}
	}
	slices.Sort(s.names)
	slices.Sort(s.required)
	slices.Sort(s.outNames)
	return s, nil
}

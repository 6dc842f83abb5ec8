package lang

import (
	"errors"
	"fmt"
	"maps"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// stdFunctions are the functions of every playbook that do not depend on
// where the playbook lives.
var stdFunctions = map[string]function.Function{
	"abs":             stdlib.AbsoluteFunc,
	"alltrue":         allTrueFunc,
	"anytrue":         anyTrueFunc,
	"can":             tryfunc.CanFunc,
	"ceil":            stdlib.CeilFunc,
	"chomp":           stdlib.ChompFunc,
	"chunklist":       stdlib.ChunklistFunc,
	"coalesce":        stdlib.CoalesceFunc,
	"coalescelist":    stdlib.CoalesceListFunc,
	"compact":         stdlib.CompactFunc,
	"concat":          stdlib.ConcatFunc,
	"contains":        stdlib.ContainsFunc,
	"csvdecode":       stdlib.CSVDecodeFunc,
	"distinct":        stdlib.DistinctFunc,
	"element":         stdlib.ElementFunc,
	"flatten":         stdlib.FlattenFunc,
	"floor":           stdlib.FloorFunc,
	"format":          stdlib.FormatFunc,
	"formatdate":      stdlib.FormatDateFunc,
	"formatlist":      stdlib.FormatListFunc,
	"indent":          stdlib.IndentFunc,
	"index":           indexFunc,
	"join":            stdlib.JoinFunc,
	"jsondecode":      jsonDecodeFunc,
	"jsonencode":      stdlib.JSONEncodeFunc,
	"keys":            stdlib.KeysFunc,
	"length":          lengthFunc,
	"log":             stdlib.LogFunc,
	"lookup":          stdlib.LookupFunc,
	"lower":           stdlib.LowerFunc,
	"max":             stdlib.MaxFunc,
	"merge":           stdlib.MergeFunc,
	"min":             stdlib.MinFunc,
	"parseint":        stdlib.ParseIntFunc,
	"pow":             stdlib.PowFunc,
	"range":           stdlib.RangeFunc,
	"regex":           stdlib.RegexFunc,
	"regexall":        stdlib.RegexAllFunc,
	"regexreplace":    stdlib.RegexReplaceFunc,
	"replace":         stdlib.ReplaceFunc,
	"reverse":         stdlib.ReverseListFunc,
	"setintersection": stdlib.SetIntersectionFunc,
	"setproduct":      stdlib.SetProductFunc,
	"setsubtract":     stdlib.SetSubtractFunc,
	"setunion":        stdlib.SetUnionFunc,
	"signum":          stdlib.SignumFunc,
	"slice":           stdlib.SliceFunc,
	"sort":            stdlib.SortFunc,
	"split":           stdlib.SplitFunc,
	"strrev":          stdlib.ReverseFunc,
	"substr":          stdlib.SubstrFunc,
	"sum":             sumFunc,
	"timeadd":         stdlib.TimeAddFunc,
	"title":           stdlib.TitleFunc,
	"tobool":          stdlib.MakeToFunc(cty.Bool),
	"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"tonumber":        stdlib.MakeToFunc(cty.Number),
	"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tostring":        stdlib.MakeToFunc(cty.String),
	"trim":            stdlib.TrimFunc,
	"trimprefix":      stdlib.TrimPrefixFunc,
	"trimspace":       stdlib.TrimSpaceFunc,
	"trimsuffix":      stdlib.TrimSuffixFunc,
	"try":             tryfunc.TryFunc,
	"upper":           stdlib.UpperFunc,
	"values":          stdlib.ValuesFunc,
	"zipmap":          stdlib.ZipmapFunc,
}

// ReadFunc reads a file named in a playbook, relative to the playbook's
// directory, and returns its content and its full name.
type ReadFunc func(name string) (data []byte, full string, err error)

// Functions returns the function table of a playbook: the standard
// functions plus file and templatefile, which read files through read.
func Functions(read ReadFunc) map[string]function.Function {
	funcs := maps.Clone(stdFunctions)
	funcs["file"] = fileFunc(read)
	// A template cannot call templatefile itself, so templates cannot
	// include each other without end.
	inner := maps.Clone(funcs)
	funcs["templatefile"] = templateFileFunc(read, inner)
	return funcs
}

// lengthFunc returns the number of characters of a string, or of elements
// or attributes of any other value.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the length of a string, list, set, tuple, map or object.",
	Params:      []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowMarked: true}},
	Type: func(args []cty.Value) (cty.Type, error) {
		t := args[0].Type()
		if t == cty.String || t.IsCollectionType() || t.IsTupleType() || t.IsObjectType() || t == cty.DynamicPseudoType {
			return cty.Number, nil
		}
		return cty.NilType, errors.New("value must be a string, a collection or an object")
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		if v.Type() == cty.String {
			return stdlib.Strlen(v)
		}
		if v.Type().IsObjectType() {
			return cty.NumberIntVal(int64(len(v.Type().AttributeTypes()))).WithMarks(marks), nil
		}
		return v.Length().WithMarks(marks), nil
	},
})

// jsonDecodeFunc is jsondecode, refusing JSON nested deeper than the
// loader's limit.
var jsonDecodeFunc = function.New(&function.Spec{
	Description: "Parses a string as JSON.",
	Params:      []function.Parameter{{Name: "str", Type: cty.String}},
	Type: func(args []cty.Value) (cty.Type, error) {
		if !args[0].IsKnown() {
			return cty.DynamicPseudoType, nil
		}
		if err := jsonTooDeep(args[0].AsString()); err != nil {
			return cty.NilType, err
		}
		return stdlib.JSONDecodeFunc.ReturnTypeForValues(args)
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return stdlib.JSONDecode(args[0])
	},
})

// jsonTooDeep returns an error when a JSON text nests deeper than
// maxNesting.
func jsonTooDeep(s string) error {
	if diags := CheckJSONNesting([]byte(s), "jsondecode"); diags.HasErrors() {
		return errors.New(diags[0].Detail)
	}
	return nil
}

// fileFunc returns file(path): the content of a file that read reads.
func fileFunc(read ReadFunc) function.Function {
	return function.New(&function.Spec{
		Description: "Reads the content of a file, relative to the playbook's directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			data, _, err := read(args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			if !utf8.Valid(data) {
				return cty.NilVal, fmt.Errorf("%s is not valid UTF-8 text", args[0].AsString())
			}
			return cty.StringVal(string(data)), nil
		},
	})
}

// templateFileFunc returns templatefile(path, vars): the file that read
// reads, rendered as a template whose variables are the attributes of vars.
func templateFileFunc(read ReadFunc, funcs map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders a template file, relative to the playbook's directory, with the given variables.",
		Params: []function.Parameter{
			{Name: "path", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.DynamicPseudoType),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			vars := args[1]
			if t := vars.Type(); vars.IsNull() || !(t.IsObjectType() || t.IsMapType()) {
				return cty.NilVal, errors.New("vars must be an object, such as { name = \"web\" }")
			}
			data, name, err := read(args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			if diags := CheckNesting(data, name, true); diags.HasErrors() {
				return cty.NilVal, DiagsError(diags)
			}
			expr, diags := hclsyntax.ParseTemplate(data, name, hcl.InitialPos)
			if diags.HasErrors() {
				return cty.NilVal, DiagsError(diags)
			}
			ctx := &hcl.EvalContext{Functions: funcs, Variables: vars.AsValueMap()}
			for _, t := range expr.Variables() {
				if _, ok := ctx.Variables[t.RootName()]; !ok {
					return cty.NilVal, fmt.Errorf("%s: the template refers to %q, which vars does not hold", Place(t.SourceRange()), t.RootName())
				}
			}
			v, diags := expr.Value(ctx)
			if diags.HasErrors() {
				return cty.NilVal, DiagsError(diags)
			}
			return v, nil
		},
	})
}

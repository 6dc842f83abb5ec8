package lang

import (
	"errors"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// The functions over a whole list that Terraform users expect: sum,
// alltrue, anytrue and index.

// sumFunc returns the sum of a list of numbers.
var sumFunc = function.New(&function.Spec{
	Description: "Returns the sum of a list or set of numbers.",
	Params:      []function.Parameter{{Name: "list", Type: cty.List(cty.Number)}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		elems, err := knownElements(args[0])
		if err != nil {
			return cty.NilVal, err
		}
		sum := cty.Zero
		for _, e := range elems {
			sum = sum.Add(e)
		}
		return sum, nil
	},
})

// allTrueFunc reports whether every element of a list of bools is true.
var allTrueFunc = boolsFunc("Returns true when every element of a list of bools is true, and for an empty list.", true)

// anyTrueFunc reports whether some element of a list of bools is true.
var anyTrueFunc = boolsFunc("Returns true when some element of a list of bools is true; false for an empty list.", false)

// boolsFunc returns alltrue (all set) or anytrue: the value for an empty
// list is all, and an element that is not all decides the result.
func boolsFunc(description string, all bool) function.Function {
	return function.New(&function.Spec{
		Description: description,
		Params:      []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			elems, err := knownElements(args[0])
			if err != nil {
				return cty.NilVal, err
			}
			for _, e := range elems {
				if e.True() != all {
					return cty.BoolVal(!all), nil
				}
			}
			return cty.BoolVal(all), nil
		},
	})
}

// indexFunc returns the position of the first element of a list equal to
// a value.
var indexFunc = function.New(&function.Spec{
	Description: "Returns the position, from 0, of the first element of a list equal to a value; an error when there is none.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.DynamicPseudoType},
		{Name: "value", Type: cty.DynamicPseudoType},
	},
	Type: function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list := args[0]
		if ty := list.Type(); !ty.IsListType() && !ty.IsTupleType() {
			return cty.NilVal, function.NewArgErrorf(0, "index takes a list or a tuple, not %s", TypeName(ty))
		}
		if !list.IsWhollyKnown() || !args[1].IsWhollyKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		i := 0
		for it := list.ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			if eq := e.Equals(args[1]); eq.IsKnown() && eq.True() {
				return cty.NumberIntVal(int64(i)), nil
			}
		}
		return cty.NilVal, errors.New("the value is not in the list")
	},
})

// knownElements returns the elements of a list, refusing nulls.
func knownElements(list cty.Value) ([]cty.Value, error) {
	var elems []cty.Value
	for it := list.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			return nil, errors.New("the list holds a null")
		}
		elems = append(elems, e)
	}
	return elems, nil
}

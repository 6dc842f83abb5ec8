package lang

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// ConvertPlain converts v, without its marks, to ty.
func ConvertPlain(v cty.Value, ty cty.Type) (cty.Value, error) {
	if v.ContainsMarked() {
		v, _ = v.UnmarkDeep()
	}
	return convert.Convert(v, ty)
}

// ConvertMessage returns the text of a conversion error, with the path of
// the failing element when there is one.
func ConvertMessage(err error) string {
	if pe, ok := err.(cty.PathError); ok && len(pe.Path) > 0 {
		return fmt.Sprintf("%s: %s", pathString(pe.Path), pe.Error())
	}
	return err.Error()
}

// pathString renders a cty path as HCL would write it, such as
// ["a"].b[0].
func pathString(path cty.Path) string {
	var b strings.Builder
	for _, step := range path {
		switch s := step.(type) {
		case cty.GetAttrStep:
			b.WriteString("." + s.Name)
		case cty.IndexStep:
			if s.Key.Type() == cty.String {
				fmt.Fprintf(&b, "[%q]", s.Key.AsString())
			} else if s.Key.Type() == cty.Number {
				fmt.Fprintf(&b, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			}
		}
	}
	return strings.TrimPrefix(b.String(), ".")
}

// TypeName names a type in messages, such as "a string" or "a list of
// string".
func TypeName(ty cty.Type) string {
	if ty == cty.DynamicPseudoType {
		return "a value"
	}
	name := ty.FriendlyNameForConstraint()
	switch name[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + name
	}
	return "a " + name
}

// ToGo converts a known value to plain Go values: string, int64 or
// float64, bool, []any and map[string]any (nil for null). Sensitive parts
// become RedactedText; strings pass through redact when it is not nil.
func ToGo(v cty.Value, redact func(string) string) any {
	if v.IsMarked() {
		return RedactedText
	}
	if !v.IsKnown() || v.IsNull() {
		return nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		if redact != nil {
			return redact(v.AsString())
		}
		return v.AsString()
	case ty == cty.Bool:
		return v.True()
	case ty == cty.Number:
		bf := v.AsBigFloat()
		if n, acc := bf.Int64(); acc == big.Exact {
			return n
		}
		f, _ := bf.Float64()
		return f
	case ty.IsObjectType() || ty.IsMapType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = ToGo(e, redact)
		}
		return out
	case v.CanIterateElements():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, ToGo(e, redact))
		}
		return out
	}
	return nil
}

package lang

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestAggregateFunctions(t *testing.T) {
	ctx := &hcl.EvalContext{Functions: Functions(nil)}
	for src, want := range map[string]string{
		`sum([1, 2, 3.5])`:                   "cty.NumberFloatVal(6.5)",
		`sum([])`:                            "cty.NumberIntVal(0)",
		`alltrue([true, true])`:              "cty.True",
		`alltrue([])`:                        "cty.True",
		`alltrue([true, false])`:             "cty.False",
		`anytrue([false, true])`:             "cty.True",
		`anytrue([])`:                        "cty.False",
		`index(["a", "b", "c"], "b")`:        "cty.NumberIntVal(1)",
		`index(["a", "b"], "z")`:             "error",
		`index("ab", "a")`:                   "error",
		`sum(["x"])`:                         "error",
		`alltrue([true, null])`:              "error",
		`sum(toset([1, 2]))`:                 "cty.NumberIntVal(3)",
		`anytrue([for x in [1, 2] : x > 1])`: "cty.True",
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "f.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", src, diags)
		}
		v, diags := expr.Value(ctx)
		got := "error"
		if !diags.HasErrors() {
			got = v.GoString()
		}
		if got != want {
			t.Errorf("%s = %s, want %s (%s)", src, got, want, diags)
		}
	}
}

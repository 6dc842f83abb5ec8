package lang

import (
	"strings"
	"testing"
)

func TestCheckNesting(t *testing.T) {
	deep := func(open, close string, n int) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	cases := []struct {
		name, src string
		json      bool
		want      string // summary, or "" for none
	}{
		{"brackets within the limit", "x = " + deep("[", "]", 99) + "\n", false, ""},
		{"brackets beyond the limit", "x = " + deep("[", "]", 101) + "\n", false, "Nesting too deep"},
		{"brackets in a string", `x = "` + strings.Repeat("[", 500) + `"` + "\n", false, ""},
		{"brackets in comments", "# " + strings.Repeat("[", 500) + "\n// " + strings.Repeat("(", 500) + "\n/* " + strings.Repeat("{", 500) + " */\nx = 1\n", false, ""},
		{"brackets in a heredoc", "x = <<EOT\n" + strings.Repeat("[", 500) + "\nEOT\ny = 1\n", false, ""},
		{"deep template in a heredoc", "x = <<-EOT\n  ${" + deep("[", "]", 101) + "}\n  EOT\n", false, "Nesting too deep"},
		{"nested quotes", "x = " + strings.Repeat(`"${`, 60) + strings.Repeat(`}"`, 60) + "\n", false, "Nesting too deep"},
		{"escaped interpolations", `x = "` + strings.Repeat(`$${`, 500) + `"` + "\n", false, ""},
		{"too many operators", "x = " + strings.Repeat("!", maxOperators+1) + "true\n", false, "Expression too complex"},
		{"many operators on many lines", strings.Repeat("x = 1+1+1+1+1+1+1+1+1+1\n", 5000), false, ""},
		{"json within the limit", deep("[", "]", 99), true, ""},
		{"json beyond the limit", deep("[", "]", 101), true, "Nesting too deep"},
		{"json brackets in a string", `{"a": "` + strings.Repeat("[", 500) + `"}`, true, ""},
		{"json deep template", `{"a": "${` + deep("[", "]", 101) + `}"}`, true, "Nesting too deep"},
	}
	for _, c := range cases {
		check := func() string {
			if c.json {
				if d := CheckJSONNesting([]byte(c.src), "x.hcl.json"); d != nil {
					return d[0].Summary
				}
				return ""
			}
			if d := CheckNesting([]byte(c.src), "x.hcl", false); d != nil {
				return d[0].Summary
			}
			return ""
		}
		if got := check(); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestTemplateNesting(t *testing.T) {
	src := "%{ if true }${" + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}%{ endif }"
	// The interpolation is level 1; the 100th bracket, at column 114, is
	// level 101.
	if d := CheckNesting([]byte(src), "t.tmpl", true); d == nil || d[0].Subject.Start.Column != 114 {
		t.Errorf("template: %v", d)
	}
}

package compile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/runbookhq/runbook/engine/internal/loadtest"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

func TestVariablePrecedence(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{
		"main.hcl":      loadtest.VarsPlaybook,
		"one.vars.hcl":  "b = \"file1\"\nc = \"file1\"\n",
		"two.vars.hcl":  "c = \"file2\"\nd = \"file2\"\n",
		"ignored.hcl.x": "not a playbook",
	})
	opts := LoadOptions{
		Environ:  []string{"PATH=/bin", "RUNBOOK_VAR_a=env", "RUNBOOK_VAR_b=env", "RUNBOOK_VAR_c=env", "RUNBOOK_VAR_d=env", "RUNBOOK_VAR_undeclared=x"},
		VarFiles: []string{filepath.Join(dir, "one.vars.hcl"), filepath.Join(dir, "two.vars.hcl")},
		Vars:     []string{"d=flag1", "d=flag2", "port=8080", `names=["x", "y"]`, "anything=[1, 2]", `server={host = "pg", tags = ["a"]}`},
	}
	p, diags := Load(dir, opts)
	if diags.HasErrors() {
		t.Fatal(loadtest.DiagText(p, diags))
	}
	want := map[string]string{
		"a": `"env"`, "b": `"file1"`, "c": `"file2"`, "d": `"flag2"`, "port": "8080",
		"names": `["x", "y"]`, "anything": "[1, 2]", "server": `{host = "pg", port = 5432, tags = ["a"]}`,
	}
	from := map[string]string{
		"a": "the environment variable RUNBOOK_VAR_a", "b": "the var file " + filepath.Join(dir, "one.vars.hcl"),
		"c": "the var file " + filepath.Join(dir, "two.vars.hcl"), "d": "the -var flag",
	}
	for name, w := range want {
		v := p.varIdx[name]
		if wv := hclValue(t, w, v.Type); !v.value.Equals(wv).True() {
			t.Errorf("var.%s = %s, want %s", name, renderValue(v.value), w)
		}
		if f, ok := from[name]; ok && v.from.what != f {
			t.Errorf("var.%s comes from %q, want %q", name, v.from.what, f)
		}
	}
}

// hclValue evaluates a constant HCL expression and converts it to ty.
func hclValue(t *testing.T, src string, ty cty.Type) cty.Value {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "want", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		t.Fatal(err)
	}
	return cv
}

func TestRawValuesForStringsAndAny(t *testing.T) {
	p, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": loadtest.VarsPlaybook}), LoadOptions{Vars: []string{`a=[not an expression`, "anything=hello world", "b=x=y"}})
	if diags.HasErrors() {
		t.Fatal(loadtest.DiagText(p, diags))
	}
	for name, want := range map[string]cty.Value{
		"a":        cty.StringVal("[not an expression"),
		"anything": cty.StringVal("hello world"),
		"b":        cty.StringVal("x=y"),
	} {
		if got := p.varIdx[name].value; !got.RawEquals(want) {
			t.Errorf("var.%s = %#v", name, got)
		}
	}
}

func TestVariableValueErrorsNameTheirSource(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": loadtest.VarsPlaybook, "bad.vars.hcl": "port = \"x\"\nprot = 1\n"})
	_, diags := Load(dir, LoadOptions{
		Vars:     []string{"port=eighty", "nope=1", "noequals"},
		Environ:  []string{"RUNBOOK_VAR_port=[1"},
		VarFiles: []string{filepath.Join(dir, "bad.vars.hcl"), filepath.Join(dir, "missing.vars.hcl")},
	})
	text := loadtest.DiagText(nil, diags)
	for _, want := range []string{
		`var.port from the environment variable RUNBOOK_VAR_port is not a number: "[1" is text`,
		`var.port from the -var flag is not a number: "eighty" is text, which only a variable of type string takes as it is`,
		"The value of var.port from the var file " + filepath.Join(dir, "bad.vars.hcl") + " is not a valid number",
		`A value is given by the var file ` + filepath.Join(dir, "bad.vars.hcl") + ` for var.prot, but no variable "prot" is declared. Did you mean "port"?`,
		"cannot read " + filepath.Join(dir, "missing.vars.hcl"),
		`no variable "nope" is declared`,
		`The -var option number 3 of 3 is not of the form NAME=VALUE. Its text is not shown, as it may hold a secret.`,
	} {
		if !strings.Contains(loadtest.Flat(text), want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
}

func TestValidationUsesTheFinalValue(t *testing.T) {
	src := `
variable "port" {
  type    = number
  default = 0
  validation {
    condition     = var.port > 0
    error_message = "The port must be positive, not ${var.port}."
  }
}
`
	if _, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": src}), LoadOptions{Vars: []string{"port=5"}}); diags.HasErrors() {
		t.Errorf("a valid -var still fails: %s", diags)
	}
	_, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": src}), LoadOptions{Environ: []string{"RUNBOOK_VAR_port=-3"}})
	if text := loadtest.DiagText(nil, diags); !strings.Contains(text, "The port must be positive, not -3.") || !strings.Contains(text, "RUNBOOK_VAR_port") {
		t.Errorf("diagnostics:\n%s", text)
	}
}

func TestVarFileOnlyFromDisk(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": loadtest.VarsPlaybook, "x.vars.hcl": "a = \"from file\"\n"})
	if err := os.Symlink("loop.vars.hcl", filepath.Join(dir, "loop.vars.hcl")); err != nil {
		t.Fatal(err)
	}
	_, diags := Load(dir, LoadOptions{VarFiles: []string{filepath.Join(dir, "loop.vars.hcl")}})
	if text := loadtest.DiagText(nil, diags); !strings.Contains(text, "symbolic link loop") {
		t.Errorf("diagnostics:\n%s", text)
	}
}

// TestSensitiveValuesNotInLoadDiagnostics gives sensitive variables
// values that are refused, from each source: the errors point at the
// declarations and name the variable and the source, and no diagnostic
// shows any part of a value.
func TestSensitiveValuesNotInLoadDiagnostics(t *testing.T) {
	src := `
variable "pin" {
  type      = number
  sensitive = true
}

variable "codes" {
  type      = list(string)
  sensitive = true
}

variable "keys" {
  type      = map(number)
  sensitive = true
}

variable "key" {
  type      = number
  sensitive = true
  default   = "s3cret-default"
}
`
	dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": src, "values.vars.hcl": "keys = { s3cret-key = \"x\" }\n"})
	p, diags := Load(dir, LoadOptions{
		Environ:  []string{`RUNBOOK_VAR_pin="s3cret-env"`, `RUNBOOK_VAR_codes=["s3cret-parse"`},
		VarFiles: []string{filepath.Join(dir, "values.vars.hcl")},
		Vars:     []string{"codes=s3cretfn(1)", "s3cret-bare"},
	})
	text := loadtest.DiagText(p, diags)
	if strings.Contains(text, "s3cret") {
		t.Errorf("a diagnostic shows a sensitive value:\n%s", text)
	}
	decls := map[string]int{"pin": 2, "codes": 7, "keys": 12, "key": 17}
	for _, want := range []struct{ name, says string }{
		{"pin", "The value of var.pin from the environment variable RUNBOOK_VAR_pin is not a valid number"},
		{"codes", "The value of var.codes from the environment variable RUNBOOK_VAR_codes is not a valid expression"},
		{"codes", "The value of var.codes from the -var flag cannot be evaluated: it calls a function, and a value given from outside the playbook is a constant"},
		{"keys", "The value of var.keys from the var file " + filepath.Join(dir, "values.vars.hcl") + " (line 1) is not a valid map of number"},
		{"key", "The value of var.key from its default (line 20) is not a valid number"},
	} {
		i := slices.IndexFunc(diags, func(d *hcl.Diagnostic) bool { return strings.HasPrefix(loadtest.Flat(d.Detail), want.says) })
		if i < 0 {
			t.Errorf("no diagnostic says %q:\n%s", want.says, text)
			continue
		}
		if d := diags[i]; d.Subject == nil || d.Subject.Filename != filepath.Join(dir, "main.hcl") || d.Subject.Start.Line != decls[want.name] {
			t.Errorf("the diagnostic %q points at %v, not at the declaration of var.%s", want.says, d.Subject, want.name)
		}
	}
	if !strings.Contains(loadtest.Flat(text), "The -var option number 2 of 2 is not of the form NAME=VALUE.") {
		t.Errorf("the -var option without a name is not reported:\n%s", text)
	}
	if strings.Contains(text, "Missing required") {
		t.Errorf("variables whose values were refused are reported missing as well:\n%s", text)
	}
}

// TestVarFileSourceShownUnlessItMayHoldSecrets checks which var files
// diagnostics show the lines of: all of them in a playbook without
// sensitive variables; else only those that set declared variables that
// are not sensitive.
func TestVarFileSourceShownUnlessItMayHoldSecrets(t *testing.T) {
	const port = "variable \"port\" {\n  type = number\n}\n"
	const token = "variable \"token\" {\n  sensitive = true\n  default   = \"\"\n}\n"
	for _, tc := range []struct {
		name, playbook, values string
		shown                  bool
	}{
		{"no sensitive variable", port, "port = \"x\"\nprot = 1\n", true},
		{"no sensitive value", port + token, "port = \"x\"\n", true},
		{"a sensitive value", port + token, "port = \"x\"\ntoken = \"s3cret\"\n", false},
		{"a misspelt name", port + token, "port = \"x\"\ntokn = \"s3cret\"\n", false},
		{"a syntax error", port + token, "port = \"x\"\ntoken = \"s3cret\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": tc.playbook, "values.vars.hcl": tc.values})
			p, diags := Load(dir, LoadOptions{VarFiles: []string{filepath.Join(dir, "values.vars.hcl")}})
			text := loadtest.DiagText(p, diags)
			if shown := strings.Contains(text, `1: port = "x"`); shown != tc.shown || strings.Contains(text, "s3cret") {
				t.Errorf("the var file's lines are shown: %v, want %v:\n%s", shown, tc.shown, text)
			}
		})
	}
}

// TestOutsideValuesAreConstants gives variables values from outside the
// playbook (-var, the environment, a var file) that call file() to read
// a file of the control node: each is refused, naming where it came from,
// and the file's content appears nowhere. A string variable takes the
// text as it is.
func TestOutsideValuesAreConstants(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": loadtest.VarsPlaybook, "secret.txt": "TOPSECRET"})
	secret := filepath.Join(dir, "secret.txt")
	varFile := filepath.Join(dir, "calls.vars.hcl")
	if err := os.WriteFile(varFile, []byte("b = file(\""+secret+"\")\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	call := `file("` + secret + `")`
	p, diags := Load(dir, LoadOptions{
		Vars:     []string{"port=length(" + call + ")", "anything=" + call, "a=" + call},
		Environ:  []string{"RUNBOOK_VAR_names=[" + call + "]"},
		VarFiles: []string{varFile},
	})
	text := loadtest.Flat(loadtest.DiagText(p, diags))
	for _, want := range []string{
		"The value of var.port from the -var flag cannot be evaluated: it calls the function length",
		"The value of var.anything from the -var flag cannot be evaluated: it calls the function file",
		"The value of var.names from the environment variable RUNBOOK_VAR_names cannot be evaluated: it calls the function file",
		"The value of var.b from the var file " + varFile + " cannot be evaluated: it calls the function file",
		"a value given from outside the playbook is a constant",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "TOPSECRET") {
		t.Errorf("the diagnostics show the file read:\n%s", text)
	}
	for _, v := range p.vars {
		if s := v.value.GoString(); strings.Contains(s, "TOPSECRET") {
			t.Errorf("var.%s holds the file read: %s", v.Name, s)
		}
	}
	if got := p.varIdx["a"].value; !got.RawEquals(cty.StringVal(call)) {
		t.Errorf("the string var.a = %#v, want the text as given", got)
	}
}

// TestOutsideValuesMayNotRefer gives a typed variable a -var value that
// refers to another variable: it is refused, as in Terraform.
func TestOutsideValuesMayNotRefer(t *testing.T) {
	_, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": loadtest.VarsPlaybook}), LoadOptions{Vars: []string{"names=[var.a]"}})
	if text := loadtest.Flat(loadtest.DiagText(nil, diags)); !strings.Contains(text, "The value of var.names from the -var flag cannot be evaluated: it refers to var.a") {
		t.Errorf("diagnostics:\n%s", text)
	}
}

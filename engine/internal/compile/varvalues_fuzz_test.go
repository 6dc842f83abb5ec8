package compile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
)

// fuzzVarsPlaybook declares a variable of each kind of type, every one
// with a default, and local values that use them.
const fuzzVarsPlaybook = `
variable "s" {
  type    = string
  default = "text"
}

variable "n" {
  type    = number
  default = 1
}

variable "b" {
  type    = bool
  default = false
}

variable "l" {
  type    = list(string)
  default = []
}

variable "m" {
  type    = map(number)
  default = {}
}

variable "o" {
  type = object({
    name = string
    port = optional(number, 5432)
    tags = optional(list(string), [])
  })
  default = { name = "db" }
}

variable "a" {
  default = "anything"
}

variable "p" {
  type      = string
  sensitive = true
  default   = "a long enough secret"

  validation {
    condition     = length(var.p) >= 8
    error_message = "The secret needs at least 8 characters."
  }
}

locals {
  summary = "${var.s} ${length(var.l)} ${length(var.m)} ${var.o.name}"
  tags    = concat(var.l, var.o.tags)
}
`

// fuzzVarNames are the variables of fuzzVarsPlaybook.
var fuzzVarNames = []string{"s", "n", "b", "l", "m", "o", "a", "p"}

// Where FuzzVariableValue puts the value.
const (
	fromVarFlag    = iota // -var NAME=VALUE
	fromEnv               // RUNBOOK_VAR_NAME=VALUE
	fromVarFile           // a var file holding NAME = VALUE
	fromRawVarFile        // a var file whose whole content is the value
	fromRawVarFlag        // -var VALUE: the whole option
	fromCount
)

// FuzzVariableValue gives one variable of fuzzVarsPlaybook (chosen by
// name) a value from a -var option, the environment or a var file (chosen
// by from). Loading must not panic, the diagnostics must print, and every
// error must point at a place in a file or name the variable it is about.
// The seed corpus is testdata/fuzz/FuzzVariableValue.
func FuzzVariableValue(f *testing.F) {
	f.Fuzz(func(t *testing.T, value string, from, which uint8) {
		name := fuzzVarNames[int(which)%len(fuzzVarNames)]
		var opts LoadOptions
		switch from % fromCount {
		case fromVarFlag:
			opts.Vars = []string{name + "=" + value}
		case fromEnv:
			opts.Environ = []string{envPrefix + name + "=" + value}
		case fromVarFile:
			opts.VarFiles = []string{fuzzVarFile(t, name+" = "+value+"\n")}
		case fromRawVarFile:
			opts.VarFiles = []string{fuzzVarFile(t, value)}
		case fromRawVarFlag:
			opts.Vars = []string{value}
		}
		p, diags := LoadFS(fstest.MapFS{"pb/main.hcl": {Data: []byte(fuzzVarsPlaybook)}}, "pb", opts)
		if err := hcl.NewDiagnosticTextWriter(io.Discard, p.Files(), 80, false).WriteDiagnostics(diags); err != nil {
			t.Fatal(err)
		}
		for _, d := range diags {
			if d.Severity != hcl.DiagError {
				continue
			}
			placed := d.Subject != nil && d.Subject.Filename != "" && d.Subject.Start.Line > 0
			text := d.Summary + "\n" + d.Detail
			raw := from%fromCount >= fromRawVarFile // the value may name any variable, or none
			named := strings.Contains(text, "var."+name) || (raw && (strings.Contains(text, "var.") || strings.Contains(text, "-var ")))
			if d.Summary == "" || !(placed || named) {
				t.Errorf("the error %q (%q) neither points at a place nor names var.%s", d.Summary, d.Detail, name)
			}
		}
		if !diags.HasErrors() {
			if _, diags := p.Plan(); diags.HasErrors() {
				t.Errorf("a playbook that loaded cannot be planned: %s", diags.Error())
			}
		}
	})
}

// fuzzVarFile writes content to a var file and returns its path.
func fuzzVarFile(t *testing.T, content string) string {
	path := filepath.Join(t.TempDir(), "values.vars.hcl")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Package loadtest holds what the tests of the engine's packages share to
// load playbooks: writing a playbook's files to a temporary directory and
// rendering diagnostics as a person reads them. Only tests import it.
package loadtest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// WritePlaybook writes files (name -> content) to a new temporary
// directory and returns it.
func WritePlaybook(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Playbook is a loaded playbook, whose files diagnostics show.
type Playbook interface {
	Files() map[string]*hcl.File
}

// MustLoad writes src as main.hcl of a new directory, loads that with
// load, and fails the test on any error.
func MustLoad[P Playbook](t testing.TB, src string, load func(dir string) (P, hcl.Diagnostics)) P {
	t.Helper()
	p, diags := load(WritePlaybook(t, map[string]string{"main.hcl": src}))
	if diags.HasErrors() {
		t.Fatalf("load: %s", DiagText(p, diags))
	}
	return p
}

// DiagText renders diagnostics as a person would read them, with the
// source lines of p's files; p may be nil, or a nil pointer.
func DiagText(p Playbook, diags hcl.Diagnostics) string {
	var files map[string]*hcl.File
	if v := reflect.ValueOf(p); p != nil && !(v.Kind() == reflect.Pointer && v.IsNil()) {
		files = p.Files()
	}
	var b strings.Builder
	w := hcl.NewDiagnosticTextWriter(&b, files, 100, false)
	_ = w.WriteDiagnostics(diags)
	return b.String()
}

// Flat joins the words of s with single spaces, so that a text matches
// however it is wrapped.
func Flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// VarsPlaybook declares variables of several types, with defaults, for
// the tests of variable values.
const VarsPlaybook = `
variable "a" {
  type    = string
  default = "default"
}
variable "b" {
  type    = string
  default = "default"
}
variable "c" {
  type    = string
  default = "default"
}
variable "d" {
  type    = string
  default = "default"
}
variable "port" {
  type    = number
  default = 22
}
variable "names" {
  type    = list(string)
  default = []
}
variable "anything" {
  default = null
}
variable "server" {
  type = object({
    host = string
    port = optional(number, 5432)
    tags = optional(list(string), [])
  })
  default = { host = "db" }
}
`

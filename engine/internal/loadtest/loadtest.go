// Package loadtest holds what the tests of the engine's packages share to
// load playbooks: writing a playbook's files to a temporary directory and
// rendering diagnostics as a person reads them. Only tests import it.
package loadtest

import (
	"os"
	"path/filepath"
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

// DiagText renders diagnostics as a person would read them, with the
// source lines of files (which may be nil).
func DiagText(files map[string]*hcl.File, diags hcl.Diagnostics) string {
	var b strings.Builder
	w := hcl.NewDiagnosticTextWriter(&b, files, 100, false)
	_ = w.WriteDiagnostics(diags)
	return b.String()
}

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

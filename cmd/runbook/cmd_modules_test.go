package main

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/modules"
)

func TestModuleReferenceText(t *testing.T) {
	r := runbook(t, "modules", "copy")
	r.wantCode(t, exitOK)
	golden(t, "modules-copy.txt", r.stdout)
}

func TestModuleReferenceMarkdown(t *testing.T) {
	r := runbook(t, "modules", "copy", "--markdown")
	r.wantCode(t, exitOK)
	golden(t, "modules-copy.md", r.stdout)
	reference, err := os.ReadFile("../../modules/REFERENCE.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(reference), r.stdout) {
		t.Errorf("modules/REFERENCE.md does not hold the section runbook modules copy --markdown prints:\n%s", r.stdout)
	}

	r = runbook(t, "modules", "--markdown")
	r.wantCode(t, exitUsage)
	if want := "--markdown goes with a module NAME"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
	}
}

// TestModuleReferenceFits checks the text reference of every module: no
// line is wider than referenceWidth unless it is one unbreakable word in
// its column, none ends in spaces, and every argument and output is shown.
func TestModuleReferenceFits(t *testing.T) {
	for _, info := range engine.Modules() {
		t.Run(info.Name, func(t *testing.T) {
			ref, err := modules.Describe(info)
			if err != nil {
				t.Fatal(err)
			}
			text := referenceText(ref)
			for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
				if line != strings.TrimRight(line, " ") {
					t.Errorf("line ends in spaces: %q", line)
				}
				if utf8.RuneCountInString(line) > referenceWidth && len(strings.Fields(line)) > 1 {
					t.Errorf("line is wider than %d columns: %q", referenceWidth, line)
				}
			}
			for _, a := range ref.Arguments {
				if !strings.Contains(text, "\n  "+a.Name+" ") {
					t.Errorf("argument %s is missing:\n%s", a.Name, text)
				}
			}
			for _, o := range ref.Outputs {
				if !strings.Contains(text, "\n  "+o.Name+" ") {
					t.Errorf("output %s is missing:\n%s", o.Name, text)
				}
			}
		})
	}
}

func TestModuleReferenceLayout(t *testing.T) {
	ref := modules.Reference{
		Name: "vault_read",
		Doc:  "Reads a secret.",
		Arguments: []modules.Argument{
			{Name: "path", Type: "string", Required: true, Doc: "The path of the secret."},
			{Name: "fields", Type: "object({first=string,second=string,third=string})", Doc: "The fields to read, with the name each is read as; each field that the secret lacks fails the task."},
			{Name: "retries", Type: "number", Default: "3", Doc: "How often to try again."},
		},
		Outputs: []modules.Output{
			{Name: "value", Type: "string", Sensitive: true, Doc: "The secret."},
			{Name: "version", Type: "number", Doc: "The version of the secret."},
		},
	}
	want := `vault_read

  Reads a secret.

  Check mode: not supported; --check reports it as "cannot predict" and does
  not run it.

ARGUMENTS
  path     string  required   The path of the secret.
  fields   object({first=string,second=string,third=string})
                   optional   The fields to read, with the name each is read
                              as; each field that the secret lacks fails the
                              task.
  retries  number  default 3  How often to try again.

OUTPUTS
  value    string  sensitive  The secret.
  version  number             The version of the secret.
`
	if got := referenceText(ref); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	ref.Arguments, ref.Outputs[0].Sensitive = nil, false
	want = `vault_read

  Reads a secret.

  Check mode: not supported; --check reports it as "cannot predict" and does
  not run it.

ARGUMENTS
  None.

OUTPUTS
  value    string  The secret.
  version  number  The version of the secret.
`
	if got := referenceText(ref); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/runbookhq/runbook/engine/internal/loadtest"
)

// longVarFiles writes a playbook and two var files, each with one line of
// 400 KB and an error in it: a string for a number, which the diagnostic
// underlines from its start, and a missing comma at the end of a list.
func longVarFiles(t *testing.T) (dir string, files []string) {
	dir = loadtest.WritePlaybook(t, map[string]string{"main.hcl": loadtest.VarsPlaybook})
	long := strings.Repeat("x", 400_000)
	for name, content := range map[string]string{
		"string.vars.hcl": "port = \"" + long + "\"\n",
		"comma.vars.hcl":  "names = [" + strings.Repeat(`"a", `, 80_000) + `"b" "c"]` + "\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	return dir, files
}

// TestDiagnosticSnippetsCutLongLines loads var files whose errors sit on
// lines of 400 KB: the diagnostics show a short window of each line,
// around the place they point at, which the colour still underlines.
func TestDiagnosticSnippetsCutLongLines(t *testing.T) {
	dir, varFiles := longVarFiles(t)
	p, diags := Load(dir, LoadOptions{VarFiles: varFiles})
	if len(diags) != 2 {
		t.Fatalf("want 2 diagnostics, got %s", diags)
	}
	var b strings.Builder
	if err := NewDiagnosticWriter(&b, p.Files(), true).WriteDiagnostics(diags); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, line := range strings.Split(text, "\n") {
		if len(line) > maxSnippetLine+40 {
			t.Errorf("a line of %d bytes: %.200q…", len(line), line)
		}
	}
	for _, d := range diags {
		if place := fmt.Sprintf("%s:%d:%d:", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column); !strings.Contains(text, place) {
			t.Errorf("the diagnostics lack the place %s, in the whole line:\n%s", place, text)
		}
	}
	const underline, reset = "\x1b[1;4m", "\x1b[0m"
	for _, want := range []string{
		`   1: port = ` + underline + `"xxxxxxxx`,          // from the value's start
		`   1: … "a", "a"`,                                 // cut before the place
		`"a", "a", "b" ` + underline + `"` + reset + `c"]`, // the end of the line, where the comma is missing
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the diagnostics lack %q:\n%s", want, text)
		}
	}
}

// TestDiagnosticSnippetsKeepShortLines checks that diagnostics on short
// lines print exactly as HCL's writer prints them, but for their places,
// FILE:LINE:COLUMN.
func TestDiagnosticSnippetsKeepShortLines(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": loadtest.VarsPlaybook, "bad.vars.hcl": "port = \"x\"\nprot = 1\n"})
	p, diags := Load(dir, LoadOptions{VarFiles: []string{filepath.Join(dir, "bad.vars.hcl")}})
	var got, want strings.Builder
	if err := NewDiagnosticWriter(&got, p.Files(), true).WriteDiagnostics(diags); err != nil {
		t.Fatal(err)
	}
	if err := hcl.NewDiagnosticTextWriter(&want, p.Files(), 0, true).WriteDiagnostics(diags); err != nil {
		t.Fatal(err)
	}
	places := strings.NewReplacer("bad.vars.hcl line 1:", "bad.vars.hcl:1:8:", "bad.vars.hcl line 2:", "bad.vars.hcl:2:1:")
	if got.String() != places.Replace(want.String()) || !strings.Contains(got.String(), "prot\x1b[0m = 1") {
		t.Errorf("got:\n%s\nwant:\n%s", got.String(), want.String())
	}
}

package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestInvalidPlaybooks loads every broken playbook of testdata/invalid and
// compares its error diagnostics, as "line:col: summary" lines (with the
// file first, as "roles/x/main.hcl:line:col: summary", for one in the
// files of a role), with the NAME.want file beside it; a NAME.vars.hcl file beside it is given as a
// var file. No diagnostic may show the sensitive test value "hunter2".
func TestInvalidPlaybooks(t *testing.T) {
	wants, err := filepath.Glob("testdata/invalid/*.want")
	if err != nil {
		t.Fatal(err)
	}
	if len(wants) < 25 {
		t.Fatalf("only %d cases in testdata/invalid", len(wants))
	}
	for _, want := range wants {
		name := strings.TrimSuffix(filepath.Base(want), ".want")
		t.Run(name, func(t *testing.T) {
			path := playbookOf(t, strings.TrimSuffix(want, ".want"))
			var opts LoadOptions
			if varFile := strings.TrimSuffix(want, ".want") + ".vars.hcl"; fileExists(varFile) {
				opts.VarFiles = []string{varFile}
			}
			p, diags := Load(path, opts)
			var got []string
			for _, d := range diags {
				if d.Severity != 1 { // hcl.DiagError
					continue
				}
				pos := "-"
				if d.Subject != nil {
					pos = fmt.Sprintf("%d:%d", d.Subject.Start.Line, d.Subject.Start.Column)
					if rel, _ := filepath.Rel("testdata/invalid", d.Subject.Filename); strings.HasPrefix(filepath.ToSlash(rel), "roles/") {
						pos = filepath.ToSlash(rel) + ":" + pos
					}
				}
				got = append(got, pos+": "+d.Summary)
			}
			data, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			var expected []string
			for _, line := range strings.Split(string(data), "\n") {
				if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
					expected = append(expected, line)
				}
			}
			text := diagText(p, diags)
			if !slices.Equal(got, expected) {
				t.Errorf("diagnostics:\n  got  %q\n  want %q\n%s", got, expected, text)
			}
			if strings.Contains(text, "hunter2") {
				t.Errorf("a diagnostic shows a sensitive value:\n%s", text)
			}
			if p.prog.Valid() {
				t.Error("the playbook is marked valid")
			}
		})
	}
}

// playbookOf returns the playbook of a case: base.hcl, base.hcl.json or
// the directory base.
func playbookOf(t *testing.T, base string) string {
	t.Helper()
	for _, p := range []string{base + ".hcl", base + ".hcl.json", base} {
		if fileExists(p) {
			return p
		}
	}
	t.Fatalf("no playbook for %s", base)
	return ""
}

// fileExists reports whether a file or directory exists at path.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

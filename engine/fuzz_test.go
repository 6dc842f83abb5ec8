package engine

import (
	"io"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
)

// FuzzLoad loads arbitrary playbook text, in HCL native syntax or, when
// json is set, in JSON syntax, and plans and graphs it when it is valid.
// None of it may panic. The seed corpus is testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(bigPlaybook(3)), false)
	f.Add([]byte(planPlaybook), false)
	f.Add([]byte(forEachPlaybook), false)
	f.Add([]byte(`{"task": {"echo": {"a": {"message": "${var.x}"}}}, "variable": {"x": {"default": 1}}}`), true)
	f.Fuzz(func(t *testing.T, src []byte, json bool) {
		name := "main.hcl"
		if json {
			name = "main.hcl.json"
		}
		fsys := fstest.MapFS{
			"pb/" + name:    {Data: src},
			"pb/file.txt":   {Data: []byte("content")},
			"pb/greet.tmpl": {Data: []byte("hello ${name}")},
			"pb/x.vars.hcl": {Data: src},
		}
		p, diags := LoadFS(fsys, "pb", LoadOptions{Vars: []string{"x=1"}, Environ: []string{"RUNBOOK_VAR_y=[1]"}})
		w := hcl.NewDiagnosticTextWriter(io.Discard, p.Files(), 80, false)
		if err := w.WriteDiagnostics(diags); err != nil {
			t.Fatal(err)
		}
		if diags.HasErrors() {
			return
		}
		p.Instances()
		p.Hosts()
		if _, diags := p.Plan(); diags != nil {
			_ = w.WriteDiagnostics(diags)
		}
		if err := p.WriteDOT(io.Discard, true); err != nil {
			t.Fatal(err)
		}
	})
}

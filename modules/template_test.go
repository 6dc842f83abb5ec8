package modules_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/modules"
	"github.com/zclconf/go-cty/cty"
)

func templateModule(t *testing.T) *modules.Template {
	return newModule[*modules.Template](t, "template")
}

func TestTemplateRendersVars(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "pg.conf")
	tm := templateModule(t)
	tm.Source = `host = {{ .host }}
port = {{ .port }}
ratio = {{ .ratio }}
max = {{ .big }}
{{ range .peers }}peer {{ . }}
{{ end }}{{ if .tls.enabled }}ssl = on{{ end }}
`
	tm.Vars = cty.ObjectVal(map[string]cty.Value{
		"host":  cty.StringVal("db1"),
		"port":  cty.NumberIntVal(5432),
		"ratio": cty.NumberFloatVal(0.5),
		"big":   cty.NumberIntVal(10000000),
		"peers": cty.ListVal([]cty.Value{cty.StringVal("10.0.0.2"), cty.StringVal("10.0.0.3")}),
		"tls":   cty.ObjectVal(map[string]cty.Value{"enabled": cty.True}),
	}).Mark("sensitive")
	tm.Dest = dest
	tm.Mode = "0600"
	want := "host = db1\nport = 5432\nratio = 0.5\nmax = 10000000\npeer 10.0.0.2\npeer 10.0.0.3\nssl = on\n"

	res := mustRun(t, tm)
	out := res.Outputs.(modules.FileOutputs)
	if !res.Changed || out.SHA256 != sha256Hex(want) || out.Size != int64(len(want)) {
		t.Errorf("changed = %v, outputs = %+v; want changed and the checksum of the rendered text", res.Changed, out)
	}
	checkFile(t, dest, want, 0o600)
	if again := mustRun(t, tm); again.Changed {
		t.Error("rendering the same text again reported a change")
	}
}

func TestTemplateWithoutVars(t *testing.T) {
	tm := templateModule(t)
	tm.Source = "static {{ \"text\" }}\n"
	tm.Dest = filepath.Join(t.TempDir(), "static")
	mustRun(t, tm)
	checkFile(t, tm.Dest, "static text\n", 0o644)
}

func TestTemplateMissingVarFails(t *testing.T) {
	tm := templateModule(t)
	tm.Source = "{{ .present }} {{ .absent }}"
	tm.Vars = cty.ObjectVal(map[string]cty.Value{"present": cty.StringVal("x")})
	tm.Dest = filepath.Join(t.TempDir(), "out")
	if err := tm.Validate(); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("err = %v, want an error naming the missing variable", err)
	}
}

func TestTemplateErrorsKnownAtLoadAreAtTheirArgument(t *testing.T) {
	for _, c := range []struct{ body, at, want string }{
		{`source = "{{ .x "`, "main.hcl:2:12", "unclosed action"},
		{`source = "{{ .present }} {{ .absent }}"
  vars   = { present = 1 }`, "main.hcl:2:12", `map has no entry for key "absent"`},
		{`source = "{{ .x }}"
  vars   = ["x"]`, "main.hcl:3:12", "vars must be an object"},
	} {
		src := "task \"template\" \"t\" {\n  " + c.body + "\n  dest   = \"/tmp/x\"\n}\n"
		if got := moduletest.LoadErrors(t, src); !strings.Contains(got, c.at) || !strings.Contains(got, c.want) {
			t.Errorf("%s\ngives\n%s\nwant %s at %s", src, got, c.want, c.at)
		}
	}
	// Variables known only after a run are read only then.
	moduletest.Load(t, `task "command" "v" {
  cmd = "true"
}
task "template" "t" {
  source = "{{ .present }} {{ .later }}"
  vars   = { present = 1, later = task.v.stdout }
  dest   = "/tmp/x"
}
`)
}

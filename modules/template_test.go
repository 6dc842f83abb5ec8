package modules_test

import (
	"path/filepath"
	"strings"
	"testing"

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
	_, err := run(t, tm)
	if err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("err = %v, want an error naming the missing variable", err)
	}
}

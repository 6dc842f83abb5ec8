package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/internal/loadtest"
)

func TestFunctions(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{
		"main.hcl": `
locals {
  deep = "${join("", [for i in range(101) : "["])}${join("", [for i in range(101) : "]"])}"
}
task "echo" "f" {
  message = join(",", [
    length("héllo"), length({ a = 1, b = 2 }), length([1, 2, 3]),
    try(jsondecode("{"), "bad json"),
    can(jsondecode(local.deep)) ? "deep ok" : "too deep",
    upper(trimspace(" x ")), format("%03d", 7),
    templatefile("t.tmpl", { items = ["a", "b"] }),
  ])
}
task "data" "d" {
  data  = { a = [1, 2], b = "x" }
  extra = { n = 1.5, list = ["a", true], none = null }
  ptr   = 3
}
task "data" "e" {
  data = "plain"
}
`,
		"t.tmpl": "%{ for i in items }<${i}>%{ endfor }",
	})
	p, diags := Load(dir, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	rep, err := Run(context.Background(), p, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resultOf(t, rep, "f@local").Outputs["message"], "5,2,3,bad json,too deep,X,007,<a><b>"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if got, want := resultOf(t, rep, "d@local").Outputs["json"], `object {"list":["a",true],"n":1.5,"none":null} 3`; got != want {
		t.Errorf("d: %q, want %q", got, want)
	}
	if got, want := resultOf(t, rep, "e@local").Outputs["json"], `string null nil`; got != want {
		t.Errorf("e: %q, want %q", got, want)
	}
}

func TestFunctionErrors(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{
		"t.tmpl":   "${missing}",
		"bin":      "\xff\xfe",
		"bad.tmpl": "${",
	})
	for expr, want := range map[string]string{
		`file("bin")`:                                            "is not valid UTF-8 text",
		`templatefile("t.tmpl", {})`:                             `t.tmpl:1:3: the template refers to "missing", which vars does not hold`,
		`templatefile("t.tmpl", "x")`:                            "vars must be an object",
		`templatefile("bad.tmpl", {})`:                           "bad.tmpl:1:3: ",
		`templatefile("none.tmpl", {})`:                          "no such file",
		`jsondecode("${join("", [for i in range(101) : "["])}")`: "nest at most 100 levels deep",
	} {
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte("locals {\n  x = "+expr+"\n}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, diags := Load(dir, LoadOptions{})
		if text := loadtest.Flat(diagText(nil, diags)); !strings.Contains(text, want) {
			t.Errorf("%s: want %q in %s", expr, want, text)
		}
	}
}

package modules_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/modules"
	_ "github.com/runbookhq/runbook/modules/alation"
)

var update = flag.Bool("update", false, "rewrite modules/REFERENCE.md from the module schemas")

// referencePath is the module reference kept in the repository.
var referencePath = "REFERENCE.md"

// referencePreamble opens modules/REFERENCE.md, before the modules' sections.
const referencePreamble = `# Module reference

Every module runbook ships, generic and Alation-specific, in alphabetical
order. A task names its module in its first label and reads the outputs of
other tasks as ` + "`task.NAME.OUTPUT`" + `:

` + "```hcl" + `
task "command" "version" {
  on   = host.primary
  argv = ["cat", "/etc/debian_version"]
}
` + "```" + `

Besides the arguments below, every task accepts the meta-arguments
%s
(see engine/LANGUAGE.md). ` + "`runbook modules NAME`" + ` prints the section of one
module.

An argument of type ` + "`host`" + ` names another host of the inventory that the
task works on too, its peer: a host object (` + "`host.secondary`" + `) or a host's
name (` + "`\"secondary\"`" + `, ` + "`self.vars.peer`" + `), known when the playbook loads.
The task then holds that host as well as its own: plan and graph show it,
` + "`--limit`" + ` skips the task when it leaves the peer out, and the peer's output
lines are labelled with its name.

This file is generated from the module schemas by ` + "`make docs`" + `; do not edit it.

`

// metaArgumentList returns the names of the meta-arguments as the
// reference lists them: "`on`, `for_each`, … and `confirm`", a line
// break before each name that would take a line past 72 characters.
func metaArgumentList() string {
	names := engine.MetaArguments()
	var b strings.Builder
	line := 0
	for i, name := range names {
		word := "`" + name + "`"
		switch {
		case i == len(names)-1:
			word = "and " + word
		case i < len(names)-2:
			word += ","
		}
		if i > 0 {
			if line+1+len(word) > 72 {
				b.WriteString("\n")
				line = 0
			} else {
				b.WriteString(" ")
				line++
			}
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}

func TestReferenceIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString(fmt.Sprintf(referencePreamble, metaArgumentList()))
	if err := modules.WriteReference(&buf, engine.Modules()); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(referencePath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	current, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatalf("%v; create it with: go test ./modules -run TestReferenceIsCurrent -update", err)
	}
	if !bytes.Equal(current, buf.Bytes()) {
		t.Errorf("%s is out of date; regenerate it with: make docs", referencePath)
	}
}

func TestEveryModuleIsDocumented(t *testing.T) {
	for _, info := range engine.Modules() {
		t.Run(info.Name, func(t *testing.T) {
			if info.Doc == "" {
				t.Error("the module has no Doc")
			}
			args := reflect.TypeOf(info.New()).Elem()
			for i := range args.NumField() {
				f := args.Field(i)
				if _, ok := f.Tag.Lookup("hcl"); ok && f.Tag.Get("doc") == "" {
					t.Errorf("argument field %s has no doc tag", f.Name)
				}
			}
			if info.Outputs == nil {
				return
			}
			outs := reflect.TypeOf(info.Outputs)
			for i := range outs.NumField() {
				f := outs.Field(i)
				if _, ok := f.Tag.Lookup("cty"); ok && f.Tag.Get("doc") == "" {
					t.Errorf("output field %s has no doc tag", f.Name)
				}
			}
		})
	}
}

func TestWriteReferenceSection(t *testing.T) {
	info, _ := engine.LookupModule("copy")
	var buf bytes.Buffer
	if err := modules.WriteReference(&buf, []engine.ModuleInfo{info}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## copy\n\n" + info.Doc + "\n\nCheck mode: supported; --check says whether it would change something, and --diff how, without changing anything.\n\n### Arguments\n\n| Name | Type | Required | Default | Description |\n",
		"| `content` | string | no |  | The content of the file. Set exactly one of content and src. |\n",
		"| `dest` | string | yes |  | The absolute path of the file on the host. |\n",
		"| `mode` | string | no | `\"0644\"` |",
		"### Outputs\n\n| Name | Type | Sensitive | Description |\n",
		"| `size` | number | no | The size of the file in bytes. |\n",
	} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("the reference of copy lacks %q; it reads:\n%s", want, buf.String())
		}
	}
}

func TestDescribeReference(t *testing.T) {
	info, _ := engine.LookupModule("copy")
	ref, err := modules.Describe(info)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Name != "copy" || ref.Doc != info.Doc {
		t.Errorf("name %q and doc %q, want those of the copy module", ref.Name, ref.Doc)
	}
	var names []string
	for _, a := range ref.Arguments {
		names = append(names, a.Name)
	}
	if got, want := strings.Join(names, " "), "content src dest mode owner group follow"; got != want {
		t.Errorf("arguments %q, want %q in the order of the struct's fields", got, want)
	}
	if want := (modules.Argument{Name: "mode", Type: "string", Default: `"0644"`, Doc: "The permission bits of the file, in octal."}); ref.Arguments[3] != want {
		t.Errorf("mode is %+v, want %+v", ref.Arguments[3], want)
	}
	if dest := ref.Arguments[2]; !dest.Required || dest.Default != "" {
		t.Errorf("dest is %+v, want it required without a default", dest)
	}
	if want := (modules.Output{Name: "size", Type: "number", Doc: "The size of the file in bytes."}); len(ref.Outputs) != 4 || ref.Outputs[2] != want {
		t.Errorf("outputs are %+v, want size third of four: %+v", ref.Outputs, want)
	}
}

func TestReferenceNamesEveryMetaArgument(t *testing.T) {
	current, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(current), "every task accepts the meta-arguments")
	paragraph, _, _ := strings.Cut(rest, "\n\n")
	for _, name := range engine.MetaArguments() {
		if !strings.Contains(paragraph, "`"+name+"`") {
			t.Errorf("the reference's list of meta-arguments lacks %s:%s", name, paragraph)
		}
	}
}

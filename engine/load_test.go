package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/loadtest"
)

func TestLoadDirectoryAndJSON(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{
		"b.hcl": `
host "web" {
  address = "10.0.0.7"
  port    = 2222
  user    = "deploy"
  groups  = ["front", "all", "front"]
  vars    = { role = "www", weight = 3 }
  password = "pw"
}
task "echo" "greet" {
  on      = group.front
  message = "${templatefile("greet.tmpl", { name = self.name, role = self.vars.role })}|${file("note.txt")}"
}`,
		"a.hcl.json":     `{"task": {"echo": {"first": {"message": "json ${var.x}", "depends_on": ["task.greet"]}}}, "variable": {"x": {"type": "number", "default": 4}}}`,
		"x.vars.hcl":     `x = "not read: var files are not playbook files"`,
		".hidden.hcl":    `this is not read`,
		"greet.tmpl":     `hello %{ if role == "www" }web %{ endif }${name}`,
		"note.txt":       "a note",
		"unrelated.json": "{",
	})
	p, diags := Load(dir, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	if len(p.Files()) != 2 {
		t.Errorf("files %v", p.Files())
	}
	hosts := p.Hosts()
	if len(hosts) != 2 || hosts[0].Name != "local" || hosts[1].Name != "web" {
		t.Fatalf("hosts %+v", hosts)
	}
	web := hosts[1]
	if web.Address != "10.0.0.7" || web.Port != 2222 || web.User != "deploy" || strings.Join(web.Groups, ",") != "all,front" || web.Password != "pw" || web.Vars["weight"].AsBigFloat().String() != "3" {
		t.Errorf("web %+v", web)
	}
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect})
	if err != nil {
		t.Fatal(err)
	}
	if got := resultOf(t, rep, "greet@web").Outputs["message"]; got != "hello web web|a note" {
		t.Errorf("greet %q", got)
	}
	if got := resultOf(t, rep, "first@local").Outputs["message"]; got != "json 4" {
		t.Errorf("first %q", got)
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"pb/main.hcl": {Data: []byte(`task "echo" "a" { message = file("msg.txt") }`)},
		"pb/msg.txt":  {Data: []byte("embedded")},
		"pb/abs.hcl":  {Data: []byte(`task "echo" "b" { message = file("/etc/hostname") }`)},
		"pb/up.hcl":   {Data: []byte(`task "echo" "c" { message = file("../x") }`)},
		"other/x.hcl": {Data: []byte(`task "echo" "c" { message = "x" }`)},
		"single.hcl":  {Data: []byte(`task "echo" "only" { message = "one file" }`)},
	}
	p, diags := LoadFS(fsys, "pb", LoadOptions{})
	text := loadtest.Flat(diagText(p, diags))
	if !strings.Contains(text, "absolute paths cannot be read from an embedded playbook") || !strings.Contains(text, "leaves the playbook's directory") {
		t.Errorf("diagnostics:\n%s", text)
	}
	delete(fsys, "pb/abs.hcl")
	delete(fsys, "pb/up.hcl")
	p, diags = LoadFS(fsys, "pb", LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	rep, err := Run(context.Background(), p, RunOptions{})
	if err != nil || resultOf(t, rep, "a@local").Outputs["message"] != "embedded" {
		t.Errorf("run: %v %+v", err, rep.Instances)
	}
	if p, diags = LoadFS(fsys, "single.hcl", LoadOptions{}); diags.HasErrors() || len(p.Instances()) != 1 {
		t.Errorf("single file: %s", diagText(p, diags))
	}
}

func TestLoadRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.hcl")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", config.MaxFileSize)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop.hcl", filepath.Join(dir, "loop.hcl")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		big:                            "larger than 4 MiB",
		filepath.Join(dir, "loop.hcl"): "symbolic link loop",
		dir:                            "symbolic link loop",
		filepath.Join(dir, "empty"):    "holds no *.hcl or *.hcl.json file",
		filepath.Join(dir, "none.hcl"): "no such file or directory",
	} {
		p, diags := Load(path, LoadOptions{})
		if text := loadtest.Flat(diagText(p, diags)); !diags.HasErrors() || !strings.Contains(text, want) {
			t.Errorf("%s: want %q in:\n%s", path, want, text)
		}
	}
	// file() refuses the same things.
	pb := loadtest.WritePlaybook(t, map[string]string{"main.hcl": `task "echo" "a" { message = file("self") }`})
	if err := os.Symlink("self", filepath.Join(pb, "self")); err != nil {
		t.Fatal(err)
	}
	if _, diags := Load(pb, LoadOptions{}); !strings.Contains(loadtest.Flat(diagText(nil, diags)), "symbolic link loop") {
		t.Errorf("file() of a loop: %s", diags)
	}
}

func TestInstancesAndDependencies(t *testing.T) {
	p := mustLoad(t, `
host "a" {
  groups = ["g"]
}
host "b" {
  groups = ["g"]
}
task "echo" "one" {
  on      = group.g
  message = self.name
}
task "echo" "two" {
  on      = ["a", host.b]
  message = task.one.message
}
task "echo" "three" {
  message    = jsonencode(task.two.on)
  depends_on = [task.one.on.a]
}
`, LoadOptions{})
	var got []string
	for _, inst := range p.Instances() {
		got = append(got, inst.ID()+"<-"+strings.Join(inst.DependsOn, ","))
	}
	want := "one@a<- one@b<- three@local<-one@a,two@a,two@b two@a<-one@a two@b<-one@b"
	if strings.Join(got, " ") != want {
		t.Errorf("instances\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestDependsOnSameHost checks the three forms of depends_on: task.NAME
// waits for the instance on the same host when NAME runs there and for
// every instance otherwise, task.NAME.on for every instance, and
// task.NAME.on.HOST for one.
func TestDependsOnSameHost(t *testing.T) {
	p := mustLoad(t, `
host "a" {
  groups = ["g"]
}
host "b" {
  groups = ["g"]
}
task "echo" "install" {
  on      = group.g
  message = "install"
}
task "echo" "configure" {
  on         = group.g
  message    = "configure"
  depends_on = [task.install]
}
task "echo" "barrier" {
  on         = group.g
  message    = "barrier"
  depends_on = [task.install.on]
}
task "echo" "one" {
  on         = [host.b]
  message    = "one"
  depends_on = [task.install.on.a]
}
task "echo" "report" {
  message    = "report"
  depends_on = [task.configure]
}
`, LoadOptions{})
	var got []string
	for _, inst := range p.Instances() {
		got = append(got, inst.ID()+"<-"+strings.Join(inst.DependsOn, ","))
	}
	want := []string{
		"barrier@a<-install@a,install@b", "barrier@b<-install@a,install@b",
		"configure@a<-install@a", "configure@b<-install@b",
		"install@a<-", "install@b<-",
		"one@b<-install@a",
		"report@local<-configure@a,configure@b",
	}
	if !slices.Equal(got, want) {
		t.Errorf("instances\n got %q\nwant %q", got, want)
	}
}

func TestInventoryFiles(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{
		"main.hcl": `
variable "user" {
  type    = string
  default = "deploy"
}
host "web1" {
  groups = ["web"]
}
task "echo" "hello" {
  on      = group.web
  message = "${self.name} as ${self.user}"
}
`,
		"more.inv": `
host "web2" {
  address = "10.0.0.2"
  user    = var.user
  groups  = ["web"]
}
`,
		"json.inv.json": `{"host": {"web3": {"groups": ["web"]}}}`,
		"bad.inv": `
host "web1" {
  address = "10.0.0.1"
}
task "echo" "stray" {
  message = "no"
}
`,
	})
	inv := func(names ...string) []string {
		var paths []string
		for _, n := range names {
			paths = append(paths, filepath.Join(dir, n))
		}
		return paths
	}
	p, diags := Load(dir, LoadOptions{Inventory: inv("more.inv", "json.inv.json")})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	var got []string
	for _, h := range p.Hosts() {
		got = append(got, h.Name+"="+h.Address+"/"+h.User)
	}
	if want := "local=127.0.0.1/" + compile.CurrentUser() + " web1=web1/ web2=10.0.0.2/deploy web3=web3/"; strings.Join(got, " ") != want {
		t.Errorf("hosts\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if n := len(p.Instances()); n != 3 {
		t.Errorf("%d instances of hello, want 3 (one per host of group web)", n)
	}

	p, diags = Load(dir, LoadOptions{Inventory: inv("bad.inv")})
	text := loadtest.Flat(diagText(p, diags))
	for _, want := range []string{"Duplicate host", `A host named "web1" was already declared`, "Not a host block", "may hold only host blocks; this task block belongs in the playbook"} {
		if !strings.Contains(text, want) {
			t.Errorf("want %q in:\n%s", want, text)
		}
	}
	_, diags = Load(dir, LoadOptions{Inventory: inv("missing.inv")})
	if text := loadtest.Flat(diagText(nil, diags)); !strings.Contains(text, "Cannot read inventory file") {
		t.Errorf("a missing inventory file: %s", text)
	}
}

// TestPlaybookWithoutTasksWarns loads playbooks that declare no task: a
// warning names the playbook, and loading still succeeds. One whose tasks
// come from a role has none to say.
func TestPlaybookWithoutTasksWarns(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"empty.hcl": "", "hosts.hcl": "host \"web\" {}\n"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		p, diags := Load(path, LoadOptions{})
		if diags.HasErrors() || len(diags) != 1 || diags[0].Summary != "Playbook has no tasks" || !strings.Contains(diags[0].Detail, path+" declares no task") {
			t.Errorf("%s: %s", name, diagText(p, diags))
		}
	}
	roles := filepath.Join(dir, "roles", "app")
	if err := os.MkdirAll(roles, 0o755); err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(dir, "site.hcl")
	for path, src := range map[string]string{site: "role \"app\" {\n  source = \"./roles/app\"\n}\n", filepath.Join(roles, "main.hcl"): "task \"echo\" \"a\" {\n  message = \"hi\"\n}\n"} {
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if p, diags := Load(site, LoadOptions{}); len(diags) != 0 {
		t.Errorf("tasks of a role: %s", diagText(p, diags))
	}
}

// TestMissingInventoryFileAlone loads a playbook whose hosts are all in an
// inventory file that cannot be read, or that does not parse: that is the
// error, without one more for each reference to a host or group the file
// would have declared.
func TestMissingInventoryFileAlone(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{
		"main.hcl": `
task "echo" "a" {
  on      = group.db
  message = "a"
}
task "echo" "b" {
  on      = host.db1
  message = "b"
}
`,
		"broken.inv": "host \"db1\" {\n  groups = [\"db\"\n}\n",
	})
	for inventory, want := range map[string]string{"missing.inv": "Cannot read inventory file", "broken.inv": "Missing item separator"} {
		p, diags := Load(filepath.Join(dir, "main.hcl"), LoadOptions{Inventory: []string{filepath.Join(dir, inventory)}})
		if len(diags) != 1 || diags[0].Summary != want {
			t.Errorf("%s: want only %q:\n%s", inventory, want, diagText(p, diags))
		}
	}
}

// TestOnGroupNameAsAString names a group in on as a string, as a host
// name is written: the error says to write group.NAME.
func TestOnGroupNameAsAString(t *testing.T) {
	dir := loadtest.WritePlaybook(t, map[string]string{"main.hcl": `
host "web1" {
  groups = ["web"]
}
task "echo" "a" {
  on      = "web"
  message = "x"
}
`})
	p, diags := Load(dir, LoadOptions{})
	if text := diagText(p, diags); len(diags) != 1 || !strings.Contains(loadtest.Flat(text), `"web" is a group: write on = group.web`) {
		t.Errorf("want one error saying to write group.web:\n%s", text)
	}
}

package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// loadRoles loads testdata/roles, a playbook that uses one role twice and
// nests another.
func loadRoles(t *testing.T) *Playbook {
	t.Helper()
	p, diags := Load("testdata/roles/site.hcl", LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	return p
}

// TestRoles runs a playbook that uses one role twice with different
// inputs and hosts, reads the role's outputs from outside, and nests a
// role in it: its instances are named by role, its outputs reach the
// tasks that read them, and the graph draws a cluster per role.
func TestRoles(t *testing.T) {
	p := loadRoles(t)
	var ids []string
	for _, inst := range p.Instances() {
		ids = append(ids, inst.ID())
	}
	want := []string{
		"after_web@web1",
		"role.api.role.conf.task.write@db", "role.api.task.check@db", "role.api.task.greet@db",
		"role.web.role.conf.task.write@web1", "role.web.role.conf.task.write@web2",
		"role.web.task.check@web1", "role.web.task.check@web2",
		"role.web.task.greet@web1", "role.web.task.greet@web2",
		"summary@local",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("instances\n  %v\nwant\n  %v", ids, want)
	}
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for id, msg := range map[string]string{
		"role.web.task.greet@web2":           "web on 8080!",
		"role.api.task.check@db":             "checked api on 9090?",
		"role.web.role.conf.task.write@web2": "write /etc/web.conf on web2",
		"after_web@web1":                     "checked web on 8080!",
		"summary@local":                      `{"db":"api on 9090?","web1":"web on 8080!","web2":"web on 8080!"}`,
	} {
		if got := resultOf(t, rep, id).Outputs["message"]; got != msg {
			t.Errorf("%s: message %q, want %q", id, got, msg)
		}
	}
	var dot bytes.Buffer
	if err := p.WriteDOT(&dot, false); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`subgraph "cluster_role.web" {`,
		`    subgraph "cluster_role.web.role.conf" {`,
		`      "role.web.role.conf.task.write" [label="role.web.role.conf.task.write\necho"];`,
		`  "role.web.task.check" -> "after_web";`,
	} {
		if !strings.Contains(dot.String(), line) {
			t.Errorf("the graph lacks %q:\n%s", line, dot.String())
		}
	}
}

// TestRoleTags selects the tasks of a role by the role's tags: they run
// with what they read, the rest is not selected.
func TestRoleTags(t *testing.T) {
	p := loadRoles(t)
	set, err := p.SelectTags([]string{"web"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := slices.Sorted(maps.Keys(set))
	want := []string{
		"role.web.role.conf.task.write@web1", "role.web.role.conf.task.write@web2",
		"role.web.task.check@web1", "role.web.task.check@web2",
		"role.web.task.greet@web1", "role.web.task.greet@web2",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("--tags web selects\n  %v\nwant\n  %v", ids, want)
	}
}

// TestDependsOnRole waits for a whole role: on a host where the role
// runs, for every task of it there, nested roles' included; elsewhere,
// for every instance of it. An unknown role is reported where it is named.
func TestDependsOnRole(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/roles")); err != nil {
		t.Fatal(err)
	}
	after := `
task "echo" "after" {
  on         = [host.web1, host.db]
  message    = "after"
  depends_on = [role.web]
}
`
	writeFiles(t, dir, map[string]string{"after.hcl": after})
	p, diags := Load(dir, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	deps := map[string][]string{}
	for _, inst := range p.Instances() {
		deps[inst.ID()] = inst.DependsOn
	}
	roleOn := func(hosts ...string) []string {
		var ids []string
		for _, task := range []string{"role.web.role.conf.task.write", "role.web.task.check", "role.web.task.greet"} {
			for _, h := range hosts {
				ids = append(ids, task+"@"+h)
			}
		}
		slices.Sort(ids)
		return ids
	}
	if got, want := deps["after@web1"], roleOn("web1"); !slices.Equal(got, want) {
		t.Errorf("after@web1 waits for\n  %v\nwant\n  %v", got, want)
	}
	if got, want := deps["after@db"], roleOn("web1", "web2"); !slices.Equal(got, want) {
		t.Errorf("after@db waits for\n  %v\nwant\n  %v", got, want)
	}
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if res := resultOf(t, rep, "after@db"); res.Status != StatusOK {
		t.Errorf("after@db: %s, %v", res.Status, res.Err)
	}
	writeFiles(t, dir, map[string]string{"after.hcl": strings.Replace(after, "[role.web]", "[role.wbe]", 1)})
	p, diags = Load(dir, LoadOptions{})
	if text := diagText(p, diags); !strings.Contains(text, "after.hcl line 5") || !strings.Contains(text, `role "wbe", which is not declared here. Did you mean "web"?`) {
		t.Errorf("an unknown role:\n%s", text)
	}
}

// writeFiles writes files (path: content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRoleResume resumes a run that failed in a role: the instances of the
// role's tasks keep their names from one run to the next, so those that
// finished are restored, the output of the role reaches the task that
// reads it, and --force-rerun names them.
func TestRoleResume(t *testing.T) {
	key := uniqueKey(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"site.hcl": fmt.Sprintf(`
role "r" {
  source = "./roles/steps"
  key    = "%[1]s"
}
task "step" "after" {
  key   = "%[1]s-after"
  input = role.r.value
}
`, key),
		"roles/steps/main.hcl": `
variable "key" {
  type = string
}
task "step" "first" {
  key   = "${var.key}-first"
  input = "first"
}
task "flaky" "gate" {
  key      = "${var.key}-gate"
  failures = 1
}
task "step" "second" {
  key   = "${var.key}-second"
  input = "${task.first.value}/${task.gate.attempt}"
}
output "value" {
  value = task.second.value
  type  = string
}
`,
	})
	p, diags := Load(filepath.Join(dir, "site.hcl"), LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	state := t.TempDir()
	rep, _, err := journalRun(t, context.Background(), p, state, RunOptions{})
	if !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("first run: %v", err)
	}
	if got := resultOf(t, rep, "after@local").Status; got != StatusSkipped {
		t.Fatalf("after ended %s in the first run", got)
	}
	rep, _, err = journalRun(t, context.Background(), p, state, RunOptions{Resume: true})
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if first := resultOf(t, rep, "role.r.task.first@local"); !first.Restored || runs(key+"-first") != 1 {
		t.Errorf("role.r.task.first: restored %v, ran %d times", first.Restored, runs(key+"-first"))
	}
	if after := resultOf(t, rep, "after@local"); after.Restored || after.Outputs["value"] != "first#1/2#1#1" {
		t.Errorf("after: restored %v, outputs %v", after.Restored, after.Outputs)
	}
	rep, _, err = journalRun(t, context.Background(), p, state, RunOptions{Resume: true, Rerun: []string{"role.r.task.first@local"}})
	if err != nil {
		t.Fatalf("resumed run with a rerun: %v", err)
	}
	if first := resultOf(t, rep, "role.r.task.first@local"); first.Restored || runs(key+"-first") != 2 {
		t.Errorf("role.r.task.first named in Rerun: restored %v, ran %d times", first.Restored, runs(key+"-first"))
	}
	if second := resultOf(t, rep, "role.r.task.second@local"); !second.Restored {
		t.Error("role.r.task.second ran again")
	}
}

// TestRoleScope runs a role whose tasks use for_each, depends_on and
// on_change among themselves: every name inside the role is the role's,
// and the instances are keyed and named by the role.
func TestRoleScope(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"site.hcl": `
host "web" {}
task "echo" "conf" {
  on      = host.web
  message = "the playbook's conf"
}
role "users" {
  source = "./roles/users"
  on     = host.web
  names  = ["alice", "bob"]
}
`,
		"roles/users/main.hcl": `
variable "names" {
  type = set(string)
}
task "echo" "conf" {
  for_each = var.names
  message  = "user ${each.key}"
  changed  = each.key == "bob"
}
task "echo" "reload" {
  message   = "reload"
  on_change = [task.conf]
}
task "echo" "after" {
  message    = task.conf["alice"].message
  depends_on = [task.reload]
}
`,
	})
	p, diags := Load(filepath.Join(dir, "site.hcl"), LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diagText(p, diags))
	}
	rep, err := Run(context.Background(), p, RunOptions{Connect: localConnect})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if r := resultOf(t, rep, "role.users.task.reload@web"); r.Status != StatusOK || !slices.Equal(r.OnChange, []string{"role.users.task.conf@web[alice]", "role.users.task.conf@web[bob]"}) {
		t.Errorf("reload: %s, on change of %v", r.Status, r.OnChange)
	}
	if r := resultOf(t, rep, "role.users.task.after@web"); r.Outputs["message"] != "user alice" || !slices.Contains(r.DependsOn, "role.users.task.reload@web") {
		t.Errorf("after: %v, depends on %v", r.Outputs, r.DependsOn)
	}
	if r := resultOf(t, rep, "conf@web"); r.Outputs["message"] != "the playbook's conf" {
		t.Errorf("the playbook's conf: %v", r.Outputs)
	}
}

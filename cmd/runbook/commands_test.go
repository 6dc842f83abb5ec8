package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no command", nil, "Usage: runbook COMMAND"},
		{"unknown command", []string{"valdiate"}, `Did you mean "validate"?`},
		{"no playbook", []string{"run"}, "no playbook given"},
		{"two playbooks", []string{"plan", "a", "b"}, "one playbook expected"},
		{"unknown flag", []string{"validate", "--frobnicate", "testdata/ok.hcl"}, "flag provided but not defined: -frobnicate"},
		{"bad output", []string{"run", "--output", "yaml", "testdata/ok.hcl"}, "--output must be text or json"},
		{"bad host key checking", []string{"run", "testdata/ok.hcl", "--host-key-checking", "maybe"}, "--host-key-checking must be"},
		{"bad ssh mode", []string{"run", "testdata/ok.hcl", "--ssh-mode", "fast"}, `--ssh-mode must be session or persistent, not "fast"`},
		{"unknown limit", []string{"run", "testdata/ok.hcl", "--limit", "locl"}, `no host or group named "locl". Did you mean "local"?`},
		{"force-rerun without resume", []string{"run", "testdata/ok.hcl", "--force-rerun", "greet"}, "--force-rerun goes with --resume"},
		{"unknown force-rerun step", []string{"run", "testdata/ok.hcl", "--resume", "--force-rerun", "gret@local"}, `rerun: there is no task "gret". Did you mean "greet"?`},
		{"missing playbook", []string{"validate", "testdata/nothing-here.hcl"}, "no playbook file or directory"},
		{"unknown module", []string{"modules", "comand"}, `Did you mean "command"?`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runbook(t, c.args...)
			r.wantCode(t, exitUsage)
			if !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr does not say %q:\n%s", c.want, r.stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	r := runbook(t, "help")
	r.wantCode(t, exitOK)
	for _, cmd := range commands {
		if !strings.Contains(r.stdout, "  "+cmd.name+" ") {
			t.Errorf("the usage text does not list %s:\n%s", cmd.name, r.stdout)
		}
	}
	r = runbook(t, "run", "-h")
	r.wantCode(t, exitOK)
	for _, want := range []string{"Usage: runbook run [flags] PLAYBOOK", "-i, --inventory FILE", "--per-host N", "Exit status:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("runbook run -h does not say %q:\n%s", want, r.stdout)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := runbook(t, args...)
		r.wantCode(t, exitOK)
		if !strings.HasPrefix(r.stdout, "runbook ") || !strings.Contains(r.stdout, "go1.") {
			t.Errorf("runbook %s printed %q", args[0], r.stdout)
		}
	}
}

func TestValidate(t *testing.T) {
	r := runbook(t, "validate", "testdata/ok.hcl")
	r.wantCode(t, exitOK)
	if want := "The playbook is valid: 5 tasks, 5 instances on 1 host.\n"; r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
}

func TestInventoryFlag(t *testing.T) {
	for _, flag := range []string{"-i", "--inventory"} {
		r := runbook(t, "validate", "testdata/plan.hcl", flag, "testdata/inventory.hcl")
		r.wantCode(t, exitOK)
		if want := "The playbook is valid: 4 tasks, 8 instances on 5 hosts.\n"; r.stdout != want {
			t.Errorf("%s: stdout = %q, want %q", flag, r.stdout, want)
		}
	}
	r := runbook(t, "validate", "testdata/plan.hcl", "-i", "testdata/ok.hcl")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "Not a host block") {
		t.Errorf("a playbook given as inventory is not refused:\n%s", r.stderr)
	}
}

// TestValidateMissingVariables checks that missing variables are the only
// error reported for a playbook that is otherwise right: checking goes on
// with them unknown.
func TestValidateMissingVariables(t *testing.T) {
	r := runbook(t, "validate", "ha-pair")
	r.wantCode(t, exitUsage)
	if n := strings.Count(r.stderr, "Error: "); n != 1 || !strings.Contains(r.stderr, "Error: Missing required variables") {
		t.Errorf("want the missing variables as the only error, got %d errors:\n%s", n, r.stderr)
	}
}

func TestValidateErrors(t *testing.T) {
	r := runbook(t, "validate", "testdata/invalid")
	r.wantCode(t, exitUsage)
	if r.stdout != "" {
		t.Errorf("validate printed to stdout:\n%s", r.stdout)
	}
	golden(t, "validate-invalid.txt", r.stderr)
}

func TestFlagsAfterPlaybook(t *testing.T) {
	r := runbook(t, "validate", "testdata/ok.hcl", "-var", "greeting=bonjour", "--no-color")
	r.wantCode(t, exitOK)
	r = runbook(t, "validate", "testdata/ok.hcl", "-var", "undeclared=1")
	r.wantCode(t, exitUsage)
}

func TestPlan(t *testing.T) {
	r := runbook(t, "plan", "testdata/plan.hcl")
	r.wantCode(t, exitOK)
	golden(t, "plan.txt", r.stdout)

	r = runbook(t, "plan", "testdata/plan.hcl", "--limit", "db")
	r.wantCode(t, exitOK)
	golden(t, "plan-limit-db.txt", r.stdout)

	// The instances of a host come in the order they would run, not by
	// name, and a question that depends on earlier tasks says so.
	r = runbook(t, "plan", "testdata/plan-order.hcl")
	r.wantCode(t, exitOK)
	golden(t, "plan-order.txt", r.stdout)
}

func TestGraph(t *testing.T) {
	r := runbook(t, "graph", "testdata/plan.hcl")
	r.wantCode(t, exitOK)
	golden(t, "graph.dot", r.stdout)

	r = runbook(t, "graph", "--per-host", "testdata/plan.hcl")
	r.wantCode(t, exitOK)
	golden(t, "graph-per-host.dot", r.stdout)
}

func TestModules(t *testing.T) {
	r := runbook(t, "modules")
	r.wantCode(t, exitOK)
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		name, doc, _ := strings.Cut(line, " ")
		if strings.TrimSpace(doc) == "" {
			t.Errorf("module %s is listed without its description", name)
		}
		names = append(names, name)
	}
	for _, want := range []string{"assert", "command", "shell"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("runbook modules does not list %s:\n%s", want, r.stdout)
		}
	}
	if !regexp.MustCompile(`(?m)^command +Runs one command on the host, .*\(cmd\) run by /bin/sh -c\.$`).MatchString(r.stdout) {
		t.Errorf("the list should hold the first sentence of each description only:\n%s", r.stdout)
	}

	r = runbook(t, "modules", "command")
	r.wantCode(t, exitOK)
	for _, want := range []string{"argv", "list(string)", "ok_codes", "[0]", "exit_code"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("runbook modules command does not show %q:\n%s", want, r.stdout)
		}
	}
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	messy := "task \"command\" \"a\" {\ncmd=\"true\"\n  when   = true\n}\n"
	tidy := "task \"command\" \"a\" {\n  cmd  = \"true\"\n  when = true\n}\n"
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	messyFile := write("messy.hcl", messy)
	tidyFile := write("tidy.hcl", tidy)
	nested := write("sub/nested.hcl", messy)
	write("notes.txt", messy)

	r := runbook(t, "fmt", "-check", dir)
	r.wantCode(t, exitTaskFailed)
	if r.stdout != messyFile+"\n" {
		t.Errorf("fmt -check listed %q, want only %s", r.stdout, messyFile)
	}
	if read(messyFile) != messy {
		t.Error("fmt -check changed a file")
	}

	r = runbook(t, "fmt", "-check", "-diff", messyFile)
	r.wantCode(t, exitTaskFailed)
	wantDiff := messyFile + "\n--- old/" + messyFile + "\n+++ new/" + messyFile + "\n@@ -1,4 +1,4 @@\n task \"command\" \"a\" {\n-cmd=\"true\"\n-  when   = true\n+  cmd  = \"true\"\n+  when = true\n }\n"
	if r.stdout != wantDiff {
		t.Errorf("fmt -diff printed:\n%s\nwant:\n%s", r.stdout, wantDiff)
	}

	r = runbook(t, "fmt", "--recursive", dir)
	r.wantCode(t, exitOK)
	if r.stdout != messyFile+"\n"+nested+"\n" {
		t.Errorf("fmt listed %q, want %s and %s", r.stdout, messyFile, nested)
	}
	if read(messyFile) != tidy || read(nested) != tidy || read(tidyFile) != tidy {
		t.Error("fmt did not format every file")
	}
	runbook(t, "fmt", "-check", "--recursive", dir).wantCode(t, exitOK)

	broken := write("broken.hcl", "task \"command\" {\n")
	r = runbook(t, "fmt", broken)
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "broken.hcl:1:16") || read(broken) != "task \"command\" {\n" {
		t.Errorf("fmt on a syntax error: stderr %q", r.stderr)
	}
	// Each syntax error, in the file's order, as load shows them; not the
	// parser's complaint about the ";" the scanner refused already.
	twice := write("twice.hcl", "task \"command\" \"b\" {\n  cmd = 'y'\n}\ntask \"command\" \"a\" {\n  cmd = \"x\";\n}\n")
	r = runbook(t, "fmt", twice)
	r.wantCode(t, exitUsage)
	first, second := strings.Index(r.stderr, "twice.hcl:2:9"), strings.Index(r.stderr, "twice.hcl:5:12")
	if first < 0 || second < first || strings.Count(r.stderr, "Error:") != 2 {
		t.Errorf("fmt on two syntax errors: stderr %q", r.stderr)
	}
}

func TestExistingPathWinsOverBundledName(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/ok.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "ha-pair"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ha-pair", "main.hcl"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "validate", "ha-pair")
	cmd.Dir, cmd.Env = dir, testEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "The playbook is valid: 5 tasks, 5 instances on 1 host.\n" {
		t.Errorf("validate ha-pair in a directory holding ha-pair/: %v\n%s", err, out)
	}
}

func TestBundledPlaybook(t *testing.T) {
	r := runbook(t, "graph", "ha-pair", "-var", "primary=127.0.0.2", "-var", "secondary=127.0.0.3")
	r.wantCode(t, exitOK)
	if !strings.HasPrefix(r.stdout, "digraph") {
		t.Errorf("runbook graph ha-pair printed:\n%s", r.stdout)
	}
}

// TestValidateLongVarFileLine gives a var file whose value, wrong, is a
// line of 400 KB: the diagnostic shows the start of the line, not all of
// it.
func TestValidateLongVarFileLine(t *testing.T) {
	varFile := filepath.Join(t.TempDir(), "long.vars.hcl")
	if err := os.WriteFile(varFile, []byte("port = \""+strings.Repeat("8", 400_000)+"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runbook(t, "validate", "testdata/remote.hcl", "-var", "address=a", "-var", "user=u", "-var-file", varFile)
	r.wantCode(t, exitUsage)
	if len(r.stderr) > 2000 || !strings.Contains(r.stderr, `   1: port = "888888`) {
		t.Errorf("the diagnostic is %d bytes long:\n%.3000s", len(r.stderr), r.stderr)
	}
}

// TestPlaybookThatDoesNothing checks validate, plan and run alike on a
// playbook without tasks (a warning naming it, then success) and on a
// limit that leaves none of a playbook's instances (a usage error naming
// the hosts the tasks run on).
func TestPlaybookThatDoesNothing(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.hcl")
	if err := os.WriteFile(empty, []byte("host \"web\" {\n  address = \"127.0.0.1\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"validate", "plan", "run"} {
		r := runbook(t, cmd, empty)
		r.wantCode(t, exitOK)
		if !strings.Contains(r.stderr, "Warning: Playbook has no tasks") || !strings.Contains(r.stderr, empty+" declares no task") {
			t.Errorf("%s on a playbook without tasks: stderr %q", cmd, r.stderr)
		}
	}
	one := filepath.Join(dir, "one.hcl")
	if err := os.WriteFile(one, []byte("host \"web\" {\n  address = \"127.0.0.1\"\n}\ntask \"command\" \"a\" {\n  on   = host.web\n  argv = [\"true\"]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"plan", "run"} {
		r := runbook(t, cmd, "--limit", "local", one)
		r.wantCode(t, exitUsage)
		if !strings.Contains(r.stderr, "limit: local selects none of the hosts the tasks run on: web\n") {
			t.Errorf("%s --limit local: stderr %q", cmd, r.stderr)
		}
	}
}

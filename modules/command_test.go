package modules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/modules"
)

func command(t *testing.T) *modules.Command { return newModule[*modules.Command](t, "command") }

func TestCommandArgvReachesProgramUnchanged(t *testing.T) {
	c := command(t)
	c.Argv = []string{"printf", "%s|%s\n", "a b;$HOME", "'quoted'"}
	res := mustRun(t, c)
	out := res.Outputs.(modules.CommandOutputs)
	if want := "a b;$HOME|'quoted'"; out.Stdout != want {
		t.Errorf("stdout = %q, want %q", out.Stdout, want)
	}
	if !res.Changed || out.Skipped || out.ExitCode != 0 {
		t.Errorf("changed = %v, outputs = %+v; want changed, exit 0, not skipped", res.Changed, out)
	}
}

func TestCommandCmdRunsThroughShell(t *testing.T) {
	c := command(t)
	c.Cmd = "echo hello | tr a-z A-Z; echo oops >&2"
	out := mustRun(t, c).Outputs.(modules.CommandOutputs)
	if out.Stdout != "HELLO" || out.Stderr != "oops" {
		t.Errorf("outputs = %+v, want stdout HELLO and stderr oops", out)
	}
}

func TestCommandTrimsOneTrailingNewline(t *testing.T) {
	c := command(t)
	c.Argv = []string{"printf", "a\n\n"}
	if out := mustRun(t, c).Outputs.(modules.CommandOutputs); out.Stdout != "a\n" {
		t.Errorf("stdout = %q, want %q", out.Stdout, "a\n")
	}
}

func TestCommandStdinEnvChdir(t *testing.T) {
	dir := t.TempDir()
	c := command(t)
	c.Cmd = `cat; printf '%s\n' "$GREETING"; pwd -P`
	c.Stdin = "from stdin\n"
	c.Env = map[string]string{"GREETING": "hello there"}
	c.Chdir = dir
	out := mustRun(t, c).Outputs.(modules.CommandOutputs)
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := "from stdin\nhello there\n" + real; out.Stdout != want {
		t.Errorf("stdout = %q, want %q", out.Stdout, want)
	}
}

func TestCommandCreatesSkipsOnceThePathExists(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	c := command(t)
	c.Argv = []string{"sh", "-c", "echo ran >> runs; touch marker"}
	c.Chdir = dir
	c.Creates = "marker" // relative to chdir
	if !c.SafeToRepeat() {
		t.Error("SafeToRepeat = false with creates set")
	}

	first := mustRun(t, c)
	if !first.Changed || first.Outputs.(modules.CommandOutputs).Skipped {
		t.Fatalf("first run: changed = %v, outputs = %+v; want it to run", first.Changed, first.Outputs)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the command did not create its marker: %v", err)
	}
	second := mustRun(t, c)
	if second.Changed || !second.Outputs.(modules.CommandOutputs).Skipped {
		t.Errorf("second run: changed = %v, outputs = %+v; want skipped and unchanged", second.Changed, second.Outputs)
	}
	if runs, _ := os.ReadFile(filepath.Join(dir, "runs")); string(runs) != "ran\n" {
		t.Errorf("the command ran %q times, want once", runs)
	}
}

func TestCommandRemovesSkipsWhenThePathIsMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stale.pid")
	c := command(t)
	c.Argv = []string{"rm", path}
	c.Removes = path

	if res := mustRun(t, c); res.Changed || !res.Outputs.(modules.CommandOutputs).Skipped {
		t.Errorf("with the path missing: changed = %v, outputs = %+v; want skipped", res.Changed, res.Outputs)
	}
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := mustRun(t, c); !res.Changed || res.Outputs.(modules.CommandOutputs).Skipped {
		t.Errorf("with the path present: changed = %v, outputs = %+v; want it to run", res.Changed, res.Outputs)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the command did not remove %s: %v", path, err)
	}
}

func TestCommandExitStatusOutsideOKCodesFails(t *testing.T) {
	c := command(t)
	c.Cmd = "for i in 1 2 3 4 5 6 7; do echo line$i >&2; done; exit 3"
	res, err := run(t, c)
	var exitErr *modules.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("err = %v, want an *ExitError", err)
	}
	if exitErr.Code != 3 || exitErr.Host != "local" {
		t.Errorf("ExitError = %+v, want code 3 on local", exitErr)
	}
	if want := "line3\nline4\nline5\nline6\nline7"; exitErr.StderrTail != want {
		t.Errorf("StderrTail = %q, want the last five lines %q", exitErr.StderrTail, want)
	}
	if msg := err.Error(); !strings.Contains(msg, "code 3") || !strings.Contains(msg, "line7") || strings.Contains(msg, "line2") {
		t.Errorf("error %q should name the code and the end of stderr only", msg)
	}
	if out := res.Outputs.(modules.CommandOutputs); out.ExitCode != 3 || !strings.HasSuffix(out.Stderr, "line7") {
		t.Errorf("outputs of the failed command = %+v, want them kept", out)
	}

	c.OKCodes = []int{0, 3}
	if out := mustRun(t, c).Outputs.(modules.CommandOutputs); out.ExitCode != 3 {
		t.Errorf("with ok_codes [0, 3]: exit_code = %d, want 3", out.ExitCode)
	}
}

// TestCommandErrorKeepsLittleOfStderr checks that the error of a failed
// command quotes a few KiB of the end of its standard error, however long
// its last line, starting with a whole character.
func TestCommandErrorKeepsLittleOfStderr(t *testing.T) {
	c := command(t)
	c.Cmd = "printf 'first\\n' >&2; for i in $(seq 20000); do printf 'é' >&2; done; exit 1"
	_, err := run(t, c)
	var exitErr *modules.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("err = %v, want an *ExitError", err)
	}
	if tail := exitErr.StderrTail; len(tail) > 4096 || len(tail) < 4000 || strings.Trim(tail, "é") != "" {
		t.Errorf("StderrTail of %d bytes: %.20q…", len(tail), tail)
	}
}

func TestCommandEndedBySignalFails(t *testing.T) {
	c := command(t)
	c.Cmd = "kill -TERM $$"
	c.OKCodes = []int{0, 1, 143}
	_, err := run(t, c)
	var exitErr *modules.ExitError
	if !errors.As(err, &exitErr) || exitErr.Signal == "" || exitErr.Code != -1 {
		t.Fatalf("err = %#v, want an *ExitError naming the signal", err)
	}
	if !strings.Contains(err.Error(), "signal") {
		t.Errorf("error %q does not mention the signal", err)
	}
}

func TestCommandDescribe(t *testing.T) {
	c := command(t)
	c.Argv = []string{"psql", "-c", "select 1", "db"}
	if got, want := c.Describe(), `run: psql -c "select 1" db`; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	c = command(t)
	c.Cmd = "systemctl restart app"
	if got, want := c.Describe(), "run: systemctl restart app"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if c.SafeToRepeat() {
		t.Error("SafeToRepeat = true without creates or removes")
	}
}

func TestCommandAndShellRefuseWhatNoHostCanCarryWhenThePlaybookLoads(t *testing.T) {
	for _, c := range []struct{ body, at, want string }{
		{`env = { "A;touch x" = "1" }`, "main.hcl:6:9", `"A;touch x" is not a name of an environment variable`},
		{`env = { "1A" = "1" }`, "main.hcl:6:9", `"1A" is not a name`},
		{`env = { A = "a\u0000b" }`, "main.hcl:6:9", "environment variable A holds a NUL byte"},
		{`chdir = "/tmp/a\u0000b"`, "main.hcl:6:11", "chdir holds a NUL byte"},
		{`creates = "/tmp/a\u0000b"`, "main.hcl:6:13", "creates holds a NUL byte"},
		{`removes = "/tmp/a\u0000b"`, "main.hcl:6:13", "removes holds a NUL byte"},
	} {
		for _, head := range []string{`task "command" "x" {
  cmd = "true"`, `task "shell" "x" {
  script = "true"`} {
			src := "task \"command\" \"y\" {\n  cmd = \"true\"\n}\n" + head + "\n  " + c.body + "\n}\n"
			got := moduletest.LoadErrors(t, src)
			if !strings.Contains(got, c.at) || !strings.Contains(got, c.want) {
				t.Errorf("%s\ngives\n%s\nwant %s at %s", src, got, c.want, c.at)
			}
			// The same, with the command known only after a run.
			src = strings.Replace(src, `= "true"`+"\n  "+c.body, `= task.y.stdout`+"\n  "+c.body, 1)
			if got := moduletest.LoadErrors(t, src); !strings.Contains(got, c.want) {
				t.Errorf("%s\ngives\n%s\nwant %s", src, got, c.want)
			}
		}
	}
	for _, c := range []struct{ body, at, want string }{
		{`argv = ["echo", "a\u0000b"]`, "main.hcl:2:10", "argument 1 holds a NUL byte"},
		{`cmd = "echo a\u0000b"`, "main.hcl:2:9", "cmd holds a NUL byte"},
	} {
		src := "task \"command\" \"x\" {\n  " + c.body + "\n}\n"
		if got := moduletest.LoadErrors(t, src); !strings.Contains(got, c.at) || !strings.Contains(got, c.want) {
			t.Errorf("%s\ngives\n%s\nwant %s at %s", src, got, c.want, c.at)
		}
	}
}

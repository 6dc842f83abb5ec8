package shell

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// runLine runs line, made by h, as sshd would, with the login shell at
// path called name in argv[0], and returns its output, read through
// h.Stdout, and exit status.
func runLine(t *testing.T, h *Handshake, path, name, line, stdin string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := &exec.Cmd{Path: path, Args: []string{name, "-c", line}, Stdin: strings.NewReader(stdin)}
	var out, errOut strings.Builder
	own := h.Stdout(&out)
	cmd.Stdout, cmd.Stderr = own, &errOut
	err := cmd.Run()
	if err := own.End(); err != nil {
		t.Fatal(err)
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", path, err)
	}
	return out.String(), errOut.String(), code
}

// loginShells are the login shells Line is run under: sh runs the wrapper
// itself, bash hands it to /bin/sh.
var loginShells = []struct{ path, name string }{{"/bin/sh", "sh"}, {"/bin/bash", "bash"}}

func TestLineRunsArgsAndScripts(t *testing.T) {
	words := []string{"a b", "it's", "$HOME", "`id`", "", "*", "new\nline", "-n", "a=b", "~", ";"}
	for _, sh := range loginShells {
		t.Run(sh.name, func(t *testing.T) {
			h := &Handshake{}
			out, errOut, code := runLine(t, h, sh.path, sh.name, h.Line(nil, "", append([]string{"printf", `%s\n`}, words...), ""), "")
			if want := strings.Join(words, "\n") + "\n"; out != want || code != 0 {
				t.Fatalf("args: stdout %q exit %d, want %q", out, code, want)
			}
			if !strings.HasPrefix(errOut, "\n"+h.marker()+" ") {
				t.Fatalf("args: stderr %q has no ready marker", errOut)
			}
			script := `echo "$0 $#${BASH_VERSION:+ bash}"; set | grep '^rb_' || true; echo err >&2; exit 3`
			out, errOut, code = runLine(t, h, sh.path, sh.name, h.Line(nil, "", nil, script), "")
			if out != "sh 0\n" || code != 3 || !strings.HasSuffix(errOut, "\nerr\n") {
				t.Fatalf("script: stdout %q stderr %q exit %d; want it run by sh with no parameters or wrapper variables, exit 3", out, errOut, code)
			}
		})
	}
}

func TestLineEnvDirStdin(t *testing.T) {
	env, err := EnvBlock(map[string]string{"rb_s": "x y", "rb_n": "two\nlines", "IFS": ":"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, sh := range loginShells {
		t.Run(sh.name, func(t *testing.T) {
			h := &Handshake{Env: env}
			line := h.Line(nil, dir, nil, `printf '%s|%s|%s|' "$rb_s" "$rb_n" "$IFS"; pwd; cat`)
			out, _, code := runLine(t, h, sh.path, sh.name, line, string(env)+"input")
			if want := "x y|two\nlines|:|" + dir + "\ninput"; out != want || code != 0 {
				t.Fatalf("stdout %q exit %d, want %q", out, code, want)
			}
		})
	}
}

func TestLineRunsInLoginShellWhenSh(t *testing.T) {
	for _, sh := range loginShells {
		t.Run(sh.name, func(t *testing.T) {
			h := &Handshake{Stderr: NewLines(nil)}
			out, errOut, _ := runLine(t, h, sh.path, sh.name, h.Line(nil, "", nil, `tr '\0' ' ' < /proc/$$/cmdline`), "")
			if _, err := h.Write([]byte(errOut)); err != nil {
				t.Fatal(err)
			}
			inLoginShell := strings.HasPrefix(out, sh.name+" -c printf ")
			if inLoginShell != (sh.name == "sh") || h.Group() == "" {
				t.Fatalf("process running the script: %q (group %q); want the login shell itself only when it is sh", out, h.Group())
			}
		})
	}
}

func TestLineWithPrefix(t *testing.T) {
	h := &Handshake{}
	line := h.Line([]string{"env", "RB_X=1"}, "/", []string{"sh", "-c", `echo "$RB_X $(pwd)"`}, "")
	out, _, code := runLine(t, h, "/bin/sh", "sh", line, "")
	if out != "1 /\n" || code != 0 {
		t.Fatalf("stdout %q exit %d", out, code)
	}
}

// TestLineDropsLoginShellBanner runs a line under a login shell that
// prints a banner on standard output first, as a start-up file may: the
// command's output is its own, in whatever pieces it arrives; a stream
// without the marker (a login shell that failed) is passed on whole.
func TestLineDropsLoginShellBanner(t *testing.T) {
	h := &Handshake{}
	line := h.Line(nil, "", []string{"echo", "own"}, "")
	out, _, code := runLine(t, h, "/bin/sh", "sh", "printf 'Welcome, no newline'; "+line, "")
	if out != "own\n" || code != 0 {
		t.Fatalf("stdout %q exit %d, want the command's own output", out, code)
	}
	whole := "Welcome\n\n" + h.marker() + "\nown\n"
	for cut := range len(whole) {
		var got strings.Builder
		own := h.Stdout(&got)
		_, _ = own.Write([]byte(whole[:cut]))
		_, _ = own.Write([]byte(whole[cut:]))
		if err := own.End(); err != nil || got.String() != "own\n" {
			t.Fatalf("cut at %d: %q (%v)", cut, got.String(), err)
		}
	}
	var got strings.Builder
	own := h.Stdout(&got)
	_, _ = own.Write([]byte("bash: no such shell\n"))
	if err := own.End(); err != nil || got.String() != "bash: no such shell\n" {
		t.Fatalf("without the marker: %q (%v)", got.String(), err)
	}
}

func TestArgvRunsArgs(t *testing.T) {
	h := &Handshake{}
	argv := h.Argv("7", "", []string{"sh", "-c", `echo "$1"`, "sh", "a b"})
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if want := fmt.Sprintf("\n%s 7\na b\n", h.marker()); err != nil || string(out) != want {
		t.Fatalf("output %q (%v), want %q", out, err, want)
	}
}

func TestEnvBlockRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "1A", "A-B", "A B", "A=B", "Ä"} {
		if _, err := EnvBlock(map[string]string{name: "v"}); err == nil {
			t.Errorf("EnvBlock accepted the name %q", name)
		}
	}
	block, err := EnvBlock(map[string]string{"B": "2\n3", "A": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "3\nexport A=1\nexport B='2\n3'\n"; string(block) != want {
		t.Fatalf("block %q, want %q", block, want)
	}
}

// TestLocaleRestorer gives the command run by sudo the LC_ALL it would
// have had: the login shell's value, or none, when sudo kept the C that
// runbook gave it, and none when sudo dropped it.
func TestLocaleRestorer(t *testing.T) {
	for _, tc := range []struct {
		keptBySudo bool
		param      string
		want       string
	}{
		{true, "=fr_FR.UTF-8", "fr_FR.UTF-8"},
		{true, "=", ""},
		{true, "", "unset"},
		{false, "=fr_FR.UTF-8", "unset"},
		{false, "", "unset"},
	} {
		script := "unset LC_ALL\n"
		if tc.keptBySudo {
			script = "LC_ALL=C; export LC_ALL\n"
		}
		script += localeRestorer + "\nsh -c 'printf %s \"${LC_ALL-unset}\"'; printf '|%s' \"$@\""
		out, err := exec.Command("/bin/sh", "-c", script, "sh", tc.param, "next").Output()
		if err != nil || string(out) != tc.want+"|next" {
			t.Errorf("kept %v, parameter %q: %q (%v), want %q", tc.keptBySudo, tc.param, out, err, tc.want+"|next")
		}
	}
}

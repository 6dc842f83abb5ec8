package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// sudoArgs returns the arguments that run testdata/sudo.hcl against srv
// as user, with the output in JSON, followed by extra.
func sudoArgs(srv *sshdtest.Server, user string, extra ...string) []string {
	args := []string{"run", "testdata/sudo.hcl", "--output", "json", "--known-hosts", srv.KnownHosts,
		"-var", "address=" + srv.Host, "-var", "port=" + strconv.Itoa(srv.Port), "-var", "user=" + user, "-var", "identity=" + srv.ClientKey.File}
	return append(args, extra...)
}

// wantSudoWorked fails the test unless the JSON events among the lines of
// out say that id -u printed 0 through sudo and that the control node's
// task saw no RUNBOOK_SUDO_PASSWORD, and unless out does not show the
// password.
func wantSudoWorked(t *testing.T, out, password string) {
	t.Helper()
	stdout := map[string]any{}
	for _, line := range strings.Split(out, "\n") {
		var e engine.Event
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &e) == nil && e.Kind == engine.EventTaskFinished {
			stdout[e.Task] = e.Outputs["stdout"]
		}
	}
	if stdout["as_root"] != "0" {
		t.Errorf("id -u through sudo printed %v, want 0: sudo did not take the password:\n%s", stdout["as_root"], out)
	}
	if stdout["local_env"] != "0" {
		t.Errorf("a command on the control node sees RUNBOOK_SUDO_PASSWORD (%v of its variables name it)", stdout["local_env"])
	}
	if strings.Contains(out, password) {
		t.Errorf("the output shows the password:\n%s", out)
	}
}

// TestAskSudoPassword asks for the sudo password on a terminal, without
// echo, and runs a task through sudo on a host over SSH with it.
func TestAskSudoPassword(t *testing.T) {
	user := sshdtest.NewSudoUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	term := startTerminal(t, sshEnv(), sudoArgs(srv, user.Name, "--ask-sudo-password")...)
	term.waitFor("Sudo password: ")
	attrs, err := unix.IoctlGetTermios(int(term.tty.Fd()), ioctlGetTermios)
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Lflag&unix.ECHO != 0 {
		t.Error("the sudo password prompt shows while the terminal still echoes")
	}
	if _, err := io.WriteString(term.tty, user.Password+"\r"); err != nil {
		t.Fatal(err)
	}
	if code := term.wait(); code != exitOK {
		t.Fatalf("exit status %d, want %d:\n%s", code, exitOK, term.output())
	}
	wantSudoWorked(t, term.output(), user.Password)
}

// TestAskSudoPasswordWithoutTerminal checks that --ask-sudo-password is
// refused, before anything runs, when there is no terminal to ask on.
func TestAskSudoPasswordWithoutTerminal(t *testing.T) {
	r := runbook(t, "run", "testdata/sudo.hcl", "--ask-sudo-password",
		"-var", "address=192.0.2.1", "-var", "port=22", "-var", "user=u", "-var", "identity=none")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "--ask-sudo-password: there is no terminal to ask on") || r.stdout != "" {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// TestSudoPasswordFromFileOrEnvironment gives the sudo password in a file,
// refused while other users may read it, and in RUNBOOK_SUDO_PASSWORD,
// which the commands run on the control node do not inherit.
func TestSudoPasswordFromFileOrEnvironment(t *testing.T) {
	user := sshdtest.NewSudoUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	file := filepath.Join(t.TempDir(), "sudo-password")
	if err := os.WriteFile(file, []byte(user.Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runbookSSH(t, sudoArgs(srv, user.Name, "--sudo-password-file", file)...)
	r.wantCode(t, exitUsage)
	if want := "its mode 0644 lets other users at it"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	r = runbookSSH(t, sudoArgs(srv, user.Name, "--sudo-password-file", file)...)
	r.wantCode(t, exitOK)
	wantSudoWorked(t, r.stdout, user.Password)

	r = runbookEnv(t, append(sshEnv(), "RUNBOOK_SUDO_PASSWORD="+user.Password), sudoArgs(srv, user.Name)...)
	r.wantCode(t, exitOK)
	wantSudoWorked(t, r.stdout, user.Password)
}

// TestAskSudoPasswordInterrupted interrupts the run at the sudo password
// prompt: it ends at once, interrupted, with the terminal echoing again.
func TestAskSudoPasswordInterrupted(t *testing.T) {
	term := startTerminal(t, testEnv(), "run", "testdata/sudo.hcl", "--ask-sudo-password",
		"-var", "address=192.0.2.1", "-var", "port=22", "-var", "user=u", "-var", "identity=none")
	term.waitFor("Sudo password: ")
	if err := term.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := term.wait(); code != exitInterrupted {
		t.Fatalf("exit status %d, want %d:\n%s", code, exitInterrupted, term.output())
	}
	attrs, err := unix.IoctlGetTermios(int(term.tty.Fd()), ioctlGetTermios)
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Lflag&unix.ECHO == 0 {
		t.Error("the terminal no longer echoes")
	}
}

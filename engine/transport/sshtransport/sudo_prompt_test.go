package sshtransport

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestSudoPasswordReachesOnlySudo gives sudo a password under sudoers rules
// that ask for it and rules that do not: NOPASSWD, !authenticate, a ticket
// left by an earlier command, a lecture before the prompt, and a login
// shell that writes something looking like a prompt before sudo starts.
// Whatever the rule, a command's input and environment and an uploaded
// file are exactly what was given, and the password appears neither in
// what the command prints nor in any process's command line.
func TestSudoPasswordReachesOnlySudo(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	for _, tc := range []struct {
		name, defaults, tags string
		warm                 bool // run once first, leaving a ticket
		noisy                bool // the login shell writes to stderr first
	}{
		{name: "NOPASSWD", defaults: "timestamp_timeout=0", tags: "NOPASSWD:"},
		{name: "NotAuthenticate", defaults: "!authenticate"},
		{name: "CachedTicket", defaults: "timestamp_type=global,timestamp_timeout=10", warm: true},
		{name: "AskedAfterLecture", defaults: "timestamp_timeout=0,lecture=always"},
		{name: "AskedAfterLoginNoise", defaults: "timestamp_timeout=0", noisy: true},
		{name: "NotAskedAfterLoginNoise", defaults: "timestamp_timeout=0", tags: "NOPASSWD:", noisy: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := sshdtest.NewSudoUserWith(t, tc.defaults, tc.tags)
			if tc.noisy {
				setNoisyLoginShell(t, u.Name)
			}
			h := hostAs(t, srv, u.Name)
			sudo := &transport.Sudo{Password: u.Password}
			if tc.warm {
				if res, err := h.Run(context.Background(), transport.Command{Args: []string{"true"}, Sudo: sudo}); err != nil || !res.OK() {
					t.Fatalf("first sudo command: %v, exit %d", err, res.ExitCode)
				}
			}
			checkSudoCommand(t, h, sudo)
			checkSudoUpload(t, h, sudo)
		})
	}
}

// checkSudoCommand runs a command through sudo that prints its user, an
// environment variable and its input, and then every process's command
// line, and checks each; it reports failures without ending the test.
func checkSudoCommand(t *testing.T, h transport.Host, sudo *transport.Sudo) {
	t.Helper()
	res, err := h.Run(context.Background(), transport.Command{
		Script: `id -u; printf '%s\n' "$RB_VALUE"; cat; echo ---; ` + listCommandLines,
		Env:    map[string]string{"RB_VALUE": "env value"},
		Stdin:  strings.NewReader("first line\nsecond line\n"),
		Sudo:   sudo,
	})
	if err != nil {
		t.Errorf("sudo command: %v", err)
		return
	}
	out := string(res.Stdout)
	want := "0\nenv value\nfirst line\nsecond line\n---\n"
	if !res.OK() || !strings.HasPrefix(out, want) {
		t.Errorf("sudo command: exit %d, stdout %q, stderr %q; want stdout to begin %q", res.ExitCode, firstLines(out, 6), res.Stderr, want)
	}
	if strings.Contains(out, sudo.Password) || strings.Contains(string(res.Stderr), sudo.Password) {
		t.Errorf("the password is in the output or in a process's command line:\n%s\nstderr: %s", out, res.Stderr)
	}
}

// checkSudoUpload uploads a file through sudo to a directory only root
// can write and checks that it holds exactly the content.
func checkSudoUpload(t *testing.T, h transport.Host, sudo *transport.Sudo) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "file")
	content := "exactly this\nand this\n"
	changed, err := h.Upload(context.Background(), transport.File{Path: dest, Content: []byte(content), Mode: 0o600, Sudo: sudo})
	if err != nil || !changed {
		t.Fatalf("sudo upload: changed %v, %v", changed, err)
	}
	if got, err := os.ReadFile(dest); err != nil || string(got) != content {
		t.Fatalf("the uploaded file holds %q (%v), want %q", got, err, content)
	}
}

// hostAs returns a Host logging in to srv as user, closed when the test
// ends.
func hostAs(t *testing.T, srv *sshdtest.Server, user string) transport.Host {
	cfg := testConfig(srv)
	cfg.User = user
	return newHost(t, cfg)
}

// firstLines returns the first n lines of s.
func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "")
}

// TestSudoWrongPassword gives sudo a wrong password: sudo asks again, the
// password is not sent again, and the command fails saying that sudo
// rejected the password, without naming it. Neither the command nor the
// upload runs.
func TestSudoWrongPassword(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	h := hostAs(t, srv, sshdtest.NewSudoUser(t).Name)
	wrong := &transport.Sudo{Password: fmt.Sprintf("wrong-%x", rand.Uint64())}
	ctx := context.Background()
	mark := filepath.Join(t.TempDir(), "ran")
	_, err := h.Run(ctx, transport.Command{Args: []string{"touch", mark}, Stdin: strings.NewReader("never read\n"), Sudo: wrong})
	if err == nil || !strings.Contains(err.Error(), "sudo rejected the password") || strings.Contains(err.Error(), wrong.Password) {
		t.Fatalf("sudo with a wrong password: %v", err)
	}
	dest := filepath.Join(t.TempDir(), "file")
	_, err = h.Upload(ctx, transport.File{Path: dest, Content: []byte("x"), Sudo: wrong})
	if err == nil || !strings.Contains(err.Error(), "sudo rejected the password") {
		t.Fatalf("sudo upload with a wrong password: %v", err)
	}
	for _, p := range []string{mark, dest} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists: something ran after sudo rejected the password", p)
		}
	}
}

// setNoisyLoginShell gives user a login shell that writes a line and then
// a partial line looking like a password prompt to standard error before
// it runs the command with /bin/sh, as start-up files sometimes do.
func setNoisyLoginShell(t *testing.T, user string) {
	t.Helper()
	setLoginShell(t, user, `printf 'Welcome to the host\nPassword: ' >&2`)
}

// setLoginShell gives user a login shell that runs the shell command
// first and then runs the command it was given with /bin/sh.
func setLoginShell(t *testing.T, user, first string) {
	t.Helper()
	sshdtest.User{Name: user}.SetLoginShell(t, first)
}

// TestSudoPasswordWithLineBreakIsRefused gives sudo the right password
// followed by a line break and more: sudo would read the first line as
// the password and leave the rest to the command. The command and the
// upload are refused before anything is sent, and nothing runs.
func TestSudoPasswordWithLineBreakIsRefused(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewSudoUser(t)
	h := hostAs(t, srv, u.Name)
	mark := filepath.Join(t.TempDir(), "ran")
	for _, pw := range []string{u.Password + "\ntouch " + mark, u.Password + "\r", u.Password + "\x00"} {
		sudo := &transport.Sudo{Password: pw}
		res, err := h.Run(context.Background(), transport.Command{Args: []string{"cat"}, Stdin: strings.NewReader("input\n"), Sudo: sudo})
		if err == nil || strings.Contains(err.Error(), u.Password) {
			t.Errorf("password %q: cat printed %q, error %v; want it refused", pw, res.Stdout, err)
		}
		if _, err := h.Upload(context.Background(), transport.File{Path: mark, Content: []byte("x"), Sudo: sudo}); err == nil {
			t.Errorf("password %q: the upload ran", pw)
		}
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("something ran with the rest of the password")
	}
}

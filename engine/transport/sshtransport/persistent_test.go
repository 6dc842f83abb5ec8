package sshtransport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// persistentHost returns a host of srv in PersistentMode, logging in as
// user.
func persistentHost(t *testing.T, srv *sshdtest.Server, user string) transport.Host {
	cfg := testConfig(srv)
	cfg.User = user
	cfg.Mode = PersistentMode
	return newHost(t, cfg)
}

// uidOf returns the user id of the user named name.
func uidOf(t *testing.T, name string) int {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		t.Fatal(err)
	}
	return uid
}

// helperProcesses returns the process ids of the persistent helpers
// running on this machine whose login user is uid: the processes whose
// command line holds the helper's script and whose parent is sshd.
func helperProcesses(t *testing.T, uid int) []int {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var found []int
	for _, dir := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte("# runbook persistent helper")) {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(dir, &st) != nil || int(st.Uid) != uid {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		parent, err := os.ReadFile(filepath.Join("/proc", fields[1], "comm"))
		if err != nil || strings.TrimSpace(string(parent)) != "sshd" {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(dir))
		found = append(found, pid)
	}
	return found
}

// TestPersistentReusesOneHelper runs commands one after another in
// PersistentMode: one helper runs them all, each with its own input,
// environment, directory, output, errors and exit status.
func TestPersistentReusesOneHelper(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewUser(t)
	h := persistentHost(t, srv, u.Name)
	uid := uidOf(t, u.Name)
	binary := make([]byte, 512)
	for i := range binary {
		binary[i] = byte(i)
	}
	for i := range 5 {
		res, err := h.Run(context.Background(), transport.Command{
			Script: `cat; printf '%s' "$RB_I" >&2; cd /; exit "$RB_I"`,
			Env:    map[string]string{"RB_I": strconv.Itoa(i)},
			Stdin:  bytes.NewReader(binary),
			Dir:    "/tmp",
		})
		if err != nil || res.ExitCode != i || !bytes.Equal(res.Stdout, binary) || string(res.Stderr) != strconv.Itoa(i) {
			t.Fatalf("command %d: %v, exit %d, stdout %d bytes, stderr %q", i, err, res.ExitCode, len(res.Stdout), res.Stderr)
		}
	}
	if helpers := helperProcesses(t, uid); len(helpers) != 1 {
		t.Fatalf("%d persistent helpers run for %s, want 1", len(helpers), u.Name)
	}
}

// TestPersistentLostHelper kills the helper running a command, and its
// process group, while the command runs: Run fails with
// ErrConnectionLost rather than waiting for the command, and the next
// command runs in a new helper.
func TestPersistentLostHelper(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewUser(t)
	uid := uidOf(t, u.Name)
	h := persistentHost(t, srv, u.Name)
	marker := fmt.Sprint(900000 + rand.IntN(90000000))
	t.Cleanup(func() { killSleeps(marker) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	killed := 0
	_, err := h.Run(ctx, transport.Command{
		Script: "echo started; sleep " + marker,
		OnLine: func(_ transport.Stream, line string) {
			if line != "started" {
				return
			}
			for _, pid := range helperProcesses(t, uid) {
				if syscall.Kill(-pid, syscall.SIGKILL) == nil {
					killed++
				}
			}
		},
	})
	if killed != 1 {
		t.Fatalf("killed %d helpers, want 1", killed)
	}
	if !errors.Is(err, transport.ErrConnectionLost) || !strings.Contains(err.Error(), "persistent helper") {
		t.Fatalf("run: %v, want ErrConnectionLost naming the persistent helper", err)
	}
	res, err := h.Run(ctx, transport.Command{Args: []string{"echo", "again"}})
	if err != nil || string(res.Stdout) != "again\n" {
		t.Fatalf("the command after the lost helper: %v, stdout %q", err, res.Stdout)
	}
}

// killSleeps ends the processes running "sleep marker".
func killSleeps(marker string) {
	want := []byte("sleep\x00" + marker + "\x00")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		if cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil && bytes.Equal(cmdline, want) {
			if pid, err := strconv.Atoi(filepath.Base(dir)); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// TestPersistentSudoPassword runs sudo commands that ask for a password
// through a helper: the command gets its input and environment, and the
// password is in no output and no process's command line, the helper's
// included.
func TestPersistentSudoPassword(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewSudoUser(t)
	h := persistentHost(t, srv, u.Name)
	sudo := &transport.Sudo{Password: u.Password}
	checkSudoCommand(t, h, sudo)
	checkSudoUpload(t, h, sudo)
	if _, err := h.Run(context.Background(), transport.Command{Args: []string{"true"}, Sudo: &transport.Sudo{}}); !errors.Is(err, transport.ErrSudoPasswordRequired) {
		t.Fatalf("sudo without a password: %v, want ErrSudoPasswordRequired", err)
	}
	uid := uidOf(t, u.Name)
	if len(helperProcesses(t, uid)) == 0 {
		t.Fatal("no persistent helper ran the commands")
	}
}

// TestPersistentFallsBackToSessions gives the login shell a PATH where
// perl is not, so that no helper can start: the host says so once, naming
// itself and perl, and runs its commands in sessions.
func TestPersistentFallsBackToSessions(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewUser(t)
	setLoginShell(t, u.Name, "export PATH=/nonexistent-runbook-dir")
	cfg := testConfig(srv)
	cfg.User = u.Name
	cfg.Name = "plain-host"
	cfg.Mode = PersistentMode
	warnings := collectWarnings(&cfg)
	h := newHost(t, cfg)
	for i := range 2 {
		res, err := h.Run(context.Background(), transport.Command{Args: []string{"/bin/echo", strconv.Itoa(i)}})
		if err != nil || string(res.Stdout) != strconv.Itoa(i)+"\n" {
			t.Fatalf("command %d: %v, stdout %q", i, err, res.Stdout)
		}
	}
	got := warnings()
	if len(got) != 1 || !strings.Contains(got[0], "plain-host") || !strings.Contains(got[0], "persistent helper") || !strings.Contains(got[0], "no perl") {
		t.Fatalf("warnings %q, want one naming plain-host, the persistent helper and perl", got)
	}
}

// helperIDs runs a command through h and returns the process id of the
// helper running it ($PPID) and that of the helper's shell ($$).
func helperIDs(t *testing.T, h transport.Host) (helper, shell string) {
	t.Helper()
	res := mustRunScript(t, h, `echo "$PPID $$"`)
	helper, shell, ok := strings.Cut(strings.TrimSpace(string(res.Stdout)), " ")
	if !ok {
		t.Fatalf("stdout %q, want two process ids", res.Stdout)
	}
	return helper, shell
}

// TestPersistentHelperOutlivesItsShell ends the process group of a
// command, which holds the helper's shell, once from the command itself
// and once by cancelling a command: each command reports how it ended,
// and the same helper runs the next command, with a new shell.
func TestPersistentHelperOutlivesItsShell(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewUser(t)
	h := persistentHost(t, srv, u.Name)
	helper, shell := helperIDs(t, h)
	res, err := h.Run(context.Background(), transport.Command{Script: `echo before; kill -TERM -$$; sleep 1000`})
	if err != nil || res.Signal != "TERM" || string(res.Stdout) != "before\n" {
		t.Fatalf("killing its own group: %v, exit %d signal %q, stdout %q", err, res.ExitCode, res.Signal, res.Stdout)
	}
	again, newShell := helperIDs(t, h)
	if again != helper || newShell == shell {
		t.Fatalf("after the group ended: helper %s shell %s, want helper %s and a shell other than %s", again, newShell, helper, shell)
	}
	marker := fmt.Sprint(900000 + rand.IntN(90000000))
	t.Cleanup(func() { killSleeps(marker) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = h.Run(ctx, transport.Command{
		Script: "echo started; sleep " + marker,
		OnLine: func(_ transport.Stream, line string) {
			if line == "started" {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled command: %v, want context.Canceled", err)
	}
	res = mustRunScript(t, h, `echo "$PPID"`)
	if strings.TrimSpace(string(res.Stdout)) != helper {
		t.Fatalf("after the cancel: stdout %q, want the helper %s", res.Stdout, helper)
	}
}

// TestPersistentOutputHeldOpen runs a command that leaves a process
// holding its standard output: the command ends only once that process
// has closed it too, as in an SSH session, with all of its output.
func TestPersistentOutputHeldOpen(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	h := persistentHost(t, srv, "root")
	res := mustRunScript(t, h, `(sleep 1; echo late; echo late-error >&2) & echo early`)
	if string(res.Stdout) != "early\nlate\n" || string(res.Stderr) != "late-error\n" {
		t.Fatalf("stdout %q, stderr %q, want early and late, and late-error", res.Stdout, res.Stderr)
	}
	res = mustRunScript(t, h, `echo next`)
	if string(res.Stdout) != "next\n" {
		t.Fatalf("the next command's stdout %q", res.Stdout)
	}
}

// TestPersistentLongCommand runs a script far longer than a pipe holds,
// through a helper, twice.
func TestPersistentLongCommand(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	h := persistentHost(t, srv, "root")
	long := strings.Repeat("0123456789abcdef", 300<<10/16)
	for range 2 {
		res := mustRunScript(t, h, "x='"+long+"'\necho ${#x}")
		if got := strings.TrimSpace(string(res.Stdout)); got != strconv.Itoa(len(long)) {
			t.Fatalf("the script saw %s bytes, want %d", got, len(long))
		}
	}
}

// TestPersistentLeavesNoProcess closes a host whose helper ran commands:
// the helper and its shell end.
func TestPersistentLeavesNoProcess(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewUser(t)
	cfg := testConfig(srv)
	cfg.User = u.Name
	cfg.Mode = PersistentMode
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	helper, shell := helperIDs(t, h)
	h.Close()
	for _, pid := range []string{helper, shell} {
		deadline := time.Now().Add(2 * time.Minute)
		for running(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %s still runs after the host was closed", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// running reports whether the process pid runs: it exists and is no
// zombie.
func running(pid string) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

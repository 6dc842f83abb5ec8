package sshdtest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runbookhq/runbook/internal/testenv"
)

// User is a temporary local user.
type User struct {
	// Name is the user's login name.
	Name string
	// Password is the user's password, which sudo asks for.
	Password string
}

// NewUser creates a user with a random password and /bin/sh as its
// shell, removed when the test ends. It needs root.
func NewUser(t testing.TB) User {
	t.Helper()
	useradd := testenv.Need(t, "useradd")
	userdel := testenv.Need(t, "userdel")
	chpasswd := testenv.Need(t, "chpasswd")
	u := User{Name: fmt.Sprintf("rbtest%06d", rand.IntN(1000000)), Password: fmt.Sprintf("pw-%x", rand.Uint64())}
	if out, err := exec.Command(useradd, "-M", "-d", "/", "-s", "/bin/sh", u.Name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v: %s", u.Name, err, out)
	}
	t.Cleanup(func() { removeUser(t, userdel, u.Name) })
	set := exec.Command(chpasswd)
	set.Stdin = strings.NewReader(u.Name + ":" + u.Password + "\n")
	if out, err := set.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd %s: %v: %s", u.Name, err, out)
	}
	return u
}

// NewSudoUser creates a user (see NewUser) allowed to run any command
// with sudo after giving its password, every time. The user and its
// sudoers drop-in are removed when the test ends. It needs root.
func NewSudoUser(t testing.TB) User {
	t.Helper()
	return NewSudoUserWith(t, "timestamp_timeout=0", "")
}

// NewSudoUserWith creates a user (see NewUser) allowed to run any command
// with sudo under a rule of its own: defaults, when set, are the sudoers
// Defaults of that user (such as "!authenticate" or
// "timestamp_type=global"), and tags prefix the command list (such as
// "NOPASSWD:"). The user, its sudoers drop-in and its sudo time stamps
// are removed when the test ends. It needs root.
func NewSudoUserWith(t testing.TB, defaults, tags string) User {
	t.Helper()
	visudo := testenv.Need(t, "visudo")
	u := NewUser(t)
	rule := fmt.Sprintf("%s ALL=(ALL:ALL) %s ALL\n", u.Name, tags)
	if defaults != "" {
		rule = fmt.Sprintf("Defaults:%s %s\n", u.Name, defaults) + rule
	}
	draft := filepath.Join(t.TempDir(), "sudoers")
	if err := os.WriteFile(draft, []byte(rule), 0o440); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(visudo, "-cf", draft).CombinedOutput(); err != nil {
		t.Fatalf("visudo -cf: %v: %s", err, out)
	}
	dropIn := filepath.Join("/etc/sudoers.d", "runbook-test-"+u.Name)
	if err := os.WriteFile(dropIn, []byte(rule), 0o440); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dropIn); err != nil {
			t.Errorf("remove sudoers drop-in: %v", err)
		}
		if err := os.RemoveAll(filepath.Join(sudoTimestamps, u.Name)); err != nil {
			t.Errorf("remove sudo time stamps: %v", err)
		}
	})
	return u
}

// sudoTimestamps is the directory in which sudo keeps each user's time
// stamps, the tickets that spare a password for a while.
const sudoTimestamps = "/run/sudo/ts"

// removeUser deletes the user, waiting (a bounded time) for the sshd
// processes of its closed connections to exit first.
func removeUser(t testing.TB, userdel, name string) {
	deadline := time.Now().Add(startTimeout)
	for {
		out, err := exec.Command(userdel, name).CombinedOutput()
		var exit *exec.ExitError
		inUse := errors.As(err, &exit) && exit.ExitCode() == 8
		switch {
		case err == nil:
			return
		case !inUse || time.Now().After(deadline):
			t.Errorf("userdel %s: %v: %s", name, err, out)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Command returns a command that runs program as the user, with its
// uid and primary group and no supplementary groups, in a process group
// of its own: a test plays another local user of the host with it.
func (u User) Command(t testing.TB, program string, args ...string) *exec.Cmd {
	t.Helper()
	acct, err := user.Lookup(u.Name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.ParseUint(acct.Uid, 10, 32)
	gid, _ := strconv.ParseUint(acct.Gid, 10, 32)
	cmd := exec.Command(program, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}},
		Setpgid:    true,
	}
	return cmd
}

// SetLoginShell gives u a login shell that runs the shell command first
// and then the command it was given, with /bin/sh: a start-up file's
// noise, or its changes to the environment, on every login. The shell is
// removed when the test ends.
func (u User) SetLoginShell(t testing.TB, first string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "runbook-shell-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	shell := filepath.Join(dir, "login-sh")
	script := "#!/bin/sh\n" + first + "\nexec /bin/sh \"$@\"\n"
	if err := os.WriteFile(shell, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("usermod", "-s", shell, u.Name).CombinedOutput(); err != nil {
		t.Fatalf("usermod: %v: %s", err, out)
	}
}

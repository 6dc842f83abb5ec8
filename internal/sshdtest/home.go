package sshdtest

import (
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"testing"

	"github.com/runbookhq/runbook/internal/testenv"
)

// MakeHome gives the user a home directory of its own, owned by it with
// mode 0700, in place of "/", and returns its path. It is removed when
// the test ends. It needs root.
func (u User) MakeHome(t testing.TB) string {
	t.Helper()
	usermod := testenv.Need(t, "usermod")
	dir, err := os.MkdirTemp("", "runbook-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	acct, err := user.Lookup(u.Name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(acct.Uid)
	gid, _ := strconv.Atoi(acct.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(usermod, "-d", dir, u.Name).CombinedOutput(); err != nil {
		t.Fatalf("usermod -d %s %s: %v: %s", dir, u.Name, err, out)
	}
	return dir
}

package sim

import (
	"bufio"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// account is a system account: the SSH user to create, or postgres.
type account struct {
	name     string
	uid, gid int
	home     string
}

// lookupAccount returns the machine's account name.
func lookupAccount(name string) (account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return account{}, fmt.Errorf("look up %s: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return account{name: name, uid: uid, gid: gid, home: u.HomeDir}, nil
}

// newAccount picks, for a user that must not exist on the machine, a uid
// and gid that no machine account or group uses.
func newAccount(name string) (account, error) {
	if _, err := user.Lookup(name); err == nil {
		return account{}, fmt.Errorf("user %s exists on this machine: the simulation creates its SSH user itself; pick another name", name)
	}
	used := map[int]bool{}
	for _, f := range []string{"/etc/passwd", "/etc/group"} {
		ids, err := idsIn(f)
		if err != nil {
			return account{}, err
		}
		for _, id := range ids {
			used[id] = true
		}
	}
	for id := 2000; id < 60000; id++ {
		if !used[id] {
			return account{name: name, uid: id, gid: id, home: "/home/" + name}, nil
		}
	}
	return account{}, fmt.Errorf("no free uid for %s", name)
}

// idsIn lists the numeric ids (third field) of a passwd or group file.
func idsIn(path string) ([]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	var ids []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) > 2 {
			if id, err := strconv.Atoi(fields[2]); err == nil {
				ids = append(ids, id)
			}
		}
	}
	return ids, sc.Err()
}

// withLine returns the machine's file path with line appended.
func withLine(path, line string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	s := string(b)
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s + line + "\n", nil
}

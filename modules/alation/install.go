package alation

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine/transport"
)

// The two layouts of an Alation install and their directories.
const (
	layout3   = "3.x"
	layout4   = "4.x"
	dir3      = "/usr/local/alation"
	dir4      = "/opt/alation/alation"
	keyInJail = "/home/alation/.ssh/replication_rsa"
)

// install is what a host's Alation version and layout say about where
// things are.
type install struct {
	version      string
	major, minor int
	layout       string // layout3 or layout4
	dir          string // ALATION_DIR
}

// diskCaches returns the paths of the files naming the data and backup
// disks.
func (in install) diskCaches() (data, backup string) {
	return path.Join(in.dir, ".disk1_cache"), path.Join(in.dir, ".disk2_cache")
}

// keyExchangeScript returns the path of the version's key exchange script,
// run outside the chroot.
func (in install) keyExchangeScript() string {
	return path.Join(in.dir, "opt/alation/ops/actions/unjailed_key_exchange")
}

// replicationKey returns the path, outside the chroot, of the private
// replication key that is /home/alation/.ssh/replication_rsa inside it.
func (in install) replicationKey() string {
	return path.Join(in.dir, keyInJail)
}

// detectInstall reads the Alation version of h and finds its layout.
func detectInstall(ctx context.Context, h transport.Host) (install, error) {
	res, err := runRoot(ctx, h, initScript+" version")
	out, err := mustOK(res, err, "read the Alation version with "+initScript+" version")
	if err != nil {
		return install{}, err
	}
	in, err := parseVersion(out)
	if err != nil {
		return install{}, err
	}
	res, err = runRoot(ctx, h, "for d in "+dir3+" "+dir4+"; do if [ -d \"$d\" ]; then echo \"$d\"; fi; done")
	out, err = mustOK(res, err, "look for the Alation directories")
	if err != nil {
		return install{}, err
	}
	dirs := strings.Fields(out)
	return chooseLayout(in, slices.Contains(dirs, dir3), slices.Contains(dirs, dir4))
}

// versionPattern matches a dotted version number such as 4.7.2 or 3.12.
var versionPattern = regexp.MustCompile(`\b(\d+)\.(\d+)(?:\.\d+)*(?:[-+][0-9A-Za-z.-]+)?\b`)

// parseVersion finds the version in what `alation version` printed: the
// last version number of the last line that has one.
func parseVersion(out string) (install, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		found := versionPattern.FindAllStringSubmatch(lines[i], -1)
		if len(found) == 0 {
			continue
		}
		m := found[len(found)-1]
		major, err1 := strconv.Atoi(m[1])
		minor, err2 := strconv.Atoi(m[2])
		if err1 != nil || err2 != nil {
			continue
		}
		return install{version: m[0], major: major, minor: minor}, nil
	}
	return install{}, fmt.Errorf("no version number in the output of %s version: %q", initScript, strings.TrimSpace(out))
}

// chooseLayout picks the layout the version implies and checks that its
// directory exists.
func chooseLayout(in install, has3, has4 bool) (install, error) {
	in.layout, in.dir = layout4, dir4
	other, hasWanted, hasOther := dir3, has4, has3
	if in.major < 4 {
		in.layout, in.dir = layout3, dir3
		other, hasWanted, hasOther = dir4, has3, has4
	}
	switch {
	case hasWanted:
		return in, nil
	case hasOther:
		return install{}, fmt.Errorf("alation %s should live in %s, but only %s exists: version and layout disagree", in.version, in.dir, other)
	}
	return install{}, fmt.Errorf("alation %s is installed in neither %s nor %s", in.version, dir3, dir4)
}

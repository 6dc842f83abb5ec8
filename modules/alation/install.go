package alation

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
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

// packageName is the name of Alation's package in the host's package
// database (inferred: the installer is an RPM named after it).
const packageName = "alation"

// versionFile is the file, under the Alation directory, that a version may
// be read from when no package database knows the install (inferred).
const versionFile = "VERSION"

// install is what a host's Alation version and layout say about where
// things are.
type install struct {
	version      string // empty when no source tells
	source       string // where version was read
	major, minor int
	layout       string // layout3 or layout4
	dir          string // ALATION_DIR
}

// known reports whether the version is known.
func (in install) known() bool { return in.version != "" }

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

// ErrVersionUnknown is wrapped by the error of detectInstall when no
// source on the host tells the Alation version and the layout alone
// cannot stand in for it.
var ErrVersionUnknown = errors.New("the alation version is unknown")

// installProbe is the script that gathers, in one session, every source
// of the version, one line each: "dir D" for each Alation directory that
// exists, "rpm V" and "dpkg V" for the version the package databases hold,
// and "file F V" for the content of each directory's version file.
var installProbe = strings.Join([]string{
	"for d in " + dir3 + " " + dir4 + "; do if [ -d \"$d\" ]; then echo \"dir $d\"; fi; done",
	"if command -v rpm >/dev/null 2>&1; then v=$(rpm -q --qf '%{VERSION}' " + packageName + " 2>/dev/null) && echo \"rpm $v\"; fi",
	"if command -v dpkg-query >/dev/null 2>&1; then v=$(dpkg-query -W -f='${Version}' " + packageName + " 2>/dev/null) && echo \"dpkg $v\"; fi",
	"for d in " + dir3 + " " + dir4 + "; do if [ -f \"$d/" + versionFile + "\" ]; then echo \"file $d/" + versionFile + " $(head -c 200 \"$d/" + versionFile + "\" | tr '\\n' ' ')\"; fi; done",
}, "\n")

// detectInstall finds the layout of h's Alation install and reads its
// version from the first source that tells it, in this order: the package
// database (rpm, then dpkg), then the version file of the layout's
// directory. assumed, when not empty, is the version to take when no
// source tells; a source that tells another one is an error.
func detectInstall(ctx context.Context, h transport.Host, assumed string) (install, error) {
	res, err := runRoot(ctx, h, installProbe)
	out, err := mustOK(res, err, "look for the Alation install")
	if err != nil {
		return install{}, err
	}
	return readInstall(parseProbe(out), assumed)
}

// probe is what installProbe found.
type probe struct {
	has3, has4 bool
	sources    []versionSource // in the order of preference
}

// versionSource is one place a version was read from and what it held.
type versionSource struct {
	name, value string
	dir         string // for a version file, the directory it is in
}

// parseProbe reads the output of installProbe.
func parseProbe(out string) probe {
	var p probe
	var files []versionSource
	for _, line := range strings.Split(out, "\n") {
		kind, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch kind {
		case "dir":
			p.has3 = p.has3 || rest == dir3
			p.has4 = p.has4 || rest == dir4
		case "rpm":
			p.sources = append(p.sources, versionSource{name: "rpm -q " + packageName, value: rest})
		case "dpkg":
			p.sources = append(p.sources, versionSource{name: "dpkg-query -W " + packageName, value: debianUpstream(rest)})
		case "file":
			file, content, _ := strings.Cut(rest, " ")
			files = append(files, versionSource{name: file, value: fileVersion(content), dir: path.Dir(file)})
		}
	}
	p.sources = append(p.sources, files...)
	return p
}

// readInstall picks the version of the first source that tells one, or
// assumed, and the layout that goes with it.
func readInstall(p probe, assumed string) (install, error) {
	if !p.has3 && !p.has4 {
		return install{}, fmt.Errorf("alation is installed in neither %s nor %s", dir3, dir4)
	}
	var in install
	for _, s := range p.sources {
		if s.dir != "" && p.has3 && p.has4 {
			continue // a stray file cannot tell which of two installs counts
		}
		if v, err := parseVersion(s.value); err == nil {
			in, in.source = v, s.name
			break
		}
	}
	switch {
	case in.known() && assumed != "" && in.version != assumed:
		return install{}, fmt.Errorf("%s says Alation %s, not the %s given", in.source, in.version, assumed)
	case !in.known() && assumed != "":
		v, err := parseVersion(assumed)
		if err != nil {
			return install{}, fmt.Errorf("the version given: %w", err)
		}
		in, in.source = v, "given"
	}
	if in.known() {
		return chooseLayout(in, p.has3, p.has4)
	}
	if p.has3 && p.has4 {
		return install{}, fmt.Errorf("%w: both %s and %s exist and no package database or version file tells which install runs", ErrVersionUnknown, dir3, dir4)
	}
	in.layout, in.dir = layout4, dir4
	if p.has3 {
		in.layout, in.dir = layout3, dir3
	}
	return in, nil
}

// versionPattern matches an Alation version alone: MAJOR.MINOR with
// further numeric parts, such as 4.7.2 or 3.12.1.4.
var versionPattern = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.\d+)*$`)

// parseVersion reads s, which must be a version and nothing else.
func parseVersion(s string) (install, error) {
	s = strings.TrimSpace(s)
	m := versionPattern.FindStringSubmatch(s)
	if m == nil {
		return install{}, fmt.Errorf("%q is not a version such as 4.7.2", s)
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return install{}, fmt.Errorf("%q is not a version such as 4.7.2", s)
	}
	return install{version: s, major: major, minor: minor}, nil
}

// debianUpstream returns the upstream part of a Debian version,
// [EPOCH:]UPSTREAM[-REVISION].
func debianUpstream(v string) string {
	if _, rest, ok := strings.Cut(v, ":"); ok {
		v = rest
	}
	if i := strings.LastIndex(v, "-"); i > 0 {
		v = v[:i]
	}
	return v
}

// fileVersion returns the version a version file holds: its content, or
// the value of a "version = V" or "version: V" line.
func fileVersion(content string) string {
	content = strings.TrimSpace(content)
	for _, sep := range []string{"=", ":"} {
		if label, value, ok := strings.Cut(content, sep); ok && strings.EqualFold(strings.TrimSpace(label), "version") {
			return strings.Trim(strings.TrimSpace(value), `'"`)
		}
	}
	return content
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

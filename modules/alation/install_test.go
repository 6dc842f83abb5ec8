package alation

import (
	"errors"
	"testing"
)

// TestReadInstall reads the version from what installProbe prints on real
// installs: an RPM, a Debian package with epoch and revision, a version
// file, nothing at all, or text that merely holds version-like numbers.
func TestReadInstall(t *testing.T) {
	tests := []struct {
		name, out, assumed string
		version, source    string
		dir                string
		fails              error // nil: must succeed; errAny: any error
	}{
		{"rpm", "dir /opt/alation/alation\nrpm 4.7.2\n", "", "4.7.2", "rpm -q alation", dir4, nil},
		{"dpkg with epoch and revision", "dir /usr/local/alation\ndpkg 1:3.12.1-2\n", "", "3.12.1", "dpkg-query -W alation", dir3, nil},
		{"rpm before the version file", "dir /opt/alation/alation\nrpm 4.6.1\nfile /opt/alation/alation/VERSION 4.7.2 \n", "", "4.6.1", "rpm -q alation", dir4, nil},
		{"version file", "dir /usr/local/alation\nfile /usr/local/alation/VERSION version = 3.12.1 \n", "", "3.12.1", "/usr/local/alation/VERSION", dir3, nil},
		{"version-like text is not the version", "dir /opt/alation/alation\nfile /opt/alation/alation/VERSION Alation build 4.7.2 on python 2.7 \n", "", "", "", dir4, nil},
		{"nothing tells", "dir /opt/alation/alation\n", "", "", "", dir4, nil},
		{"given when nothing tells", "dir /opt/alation/alation\n", "4.7.2", "4.7.2", "given", dir4, nil},
		{"given and agreeing", "dir /opt/alation/alation\nrpm 4.7.2\n", "4.7.2", "4.7.2", "rpm -q alation", dir4, nil},
		{"given and contradicted", "dir /opt/alation/alation\nrpm 4.7.2\n", "4.6.1", "", "", "", errAny},
		{"both layouts, nothing tells", "dir /usr/local/alation\ndir /opt/alation/alation\n", "", "", "", "", ErrVersionUnknown},
		{"both layouts, a stray file", "dir /usr/local/alation\ndir /opt/alation/alation\nfile /usr/local/alation/VERSION 3.12.1 \n", "", "", "", "", ErrVersionUnknown},
		{"both layouts, rpm tells", "dir /usr/local/alation\ndir /opt/alation/alation\nrpm 4.7.2\n", "", "4.7.2", "rpm -q alation", dir4, nil},
		{"no install", "rpm 4.7.2\n", "", "", "", "", errAny},
		{"version and layout disagree", "dir /usr/local/alation\nrpm 4.7.2\n", "", "", "", "", errAny},
	}
	for _, tt := range tests {
		in, err := readInstall(parseProbe(tt.out), tt.assumed)
		switch {
		case tt.fails == nil && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.fails != nil && err == nil:
			t.Errorf("%s: succeeded with %+v, want an error", tt.name, in)
		case tt.fails != nil && tt.fails != errAny && !errors.Is(err, tt.fails):
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.fails)
		case tt.fails == nil && (in.version != tt.version || in.source != tt.source || in.dir != tt.dir):
			t.Errorf("%s: version %q from %q in %q, want %q from %q in %q", tt.name, in.version, in.source, in.dir, tt.version, tt.source, tt.dir)
		}
	}
}

// errAny stands for any error in TestReadInstall.
var errAny = errors.New("any error")

// TestParseVersion takes a version alone, never one found inside text.
func TestParseVersion(t *testing.T) {
	for _, s := range []string{"4.7.2", "3.12", "4.7.2.18231", " 4.7.2\n"} {
		if _, err := parseVersion(s); err != nil {
			t.Errorf("parseVersion(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "unknown", "Alation version 4.7.2", "4.7.2-rc1", "el7.x86_64", "4"} {
		if in, err := parseVersion(s); err == nil {
			t.Errorf("parseVersion(%q) = %q, want an error", s, in.version)
		}
	}
}

func TestChooseLayout(t *testing.T) {
	tests := []struct {
		major      int
		has3, has4 bool
		dir        string
		fails      bool
	}{
		{4, false, true, dir4, false},
		{4, true, true, dir4, false},
		{3, true, false, dir3, false},
		{3, true, true, dir3, false},
		{4, true, false, "", true},
		{3, false, true, "", true},
		{4, false, false, "", true},
	}
	for _, tt := range tests {
		in, err := chooseLayout(install{version: "x", major: tt.major}, tt.has3, tt.has4)
		if (err != nil) != tt.fails || in.dir != tt.dir {
			t.Errorf("chooseLayout(%d, %v, %v) = %q, %v; want %q, fails %v", tt.major, tt.has3, tt.has4, in.dir, err, tt.dir, tt.fails)
		}
	}
}

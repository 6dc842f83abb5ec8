package alation

import "testing"

func TestParseVersion(t *testing.T) {
	tests := []struct {
		out          string
		version      string
		major, minor int
	}{
		{"4.7.2\n", "4.7.2", 4, 7},
		{"3.12\n", "3.12", 3, 12},
		{"Welcome 1.2.3\nAlation version 4.10.0-rc1\n", "4.10.0-rc1", 4, 10},
		{"2022.1.0.5\n", "2022.1.0.5", 2022, 1},
	}
	for _, tt := range tests {
		in, err := parseVersion(tt.out)
		if err != nil {
			t.Errorf("parseVersion(%q): %v", tt.out, err)
			continue
		}
		if in.version != tt.version || in.major != tt.major || in.minor != tt.minor {
			t.Errorf("parseVersion(%q) = %s %d.%d, want %s %d.%d", tt.out, in.version, in.major, in.minor, tt.version, tt.major, tt.minor)
		}
	}
	if _, err := parseVersion("unknown\n"); err == nil {
		t.Error("parseVersion(unknown) succeeded")
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

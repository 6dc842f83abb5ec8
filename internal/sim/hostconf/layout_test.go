package hostconf

import "testing"

func TestLayoutFor(t *testing.T) {
	for _, tc := range []struct {
		version string
		dir     string
		script  bool
		err     bool
	}{
		{"3.12.1", "/usr/local/alation", true, false},
		{"3.12", "/usr/local/alation", true, false},
		{"4.0.0", "/opt/alation/alation", true, false},
		{"4.7.2", "/opt/alation/alation", true, false},
		{"4.8.0", "/opt/alation/alation", false, false},
		{"2023.1", "/opt/alation/alation", false, false},
		{"3.13", "", false, true},
		{"4", "", false, true},
		{"4.x.1", "", false, true},
	} {
		l, err := LayoutFor(tc.version)
		if (err != nil) != tc.err || l.AlationDir != tc.dir || l.HasKeyExchangeScript != tc.script {
			t.Errorf("LayoutFor(%q) = %+v, %v", tc.version, l, err)
		}
	}
}

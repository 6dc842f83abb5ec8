package modules_test

import (
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/modules"
)

func TestSafeToRepeat(t *testing.T) {
	want := map[string]bool{
		"assert": true, "command": false, "copy": true, "fetch": true,
		"shell": false, "template": true, "wait_for": true,
	}
	for name, safe := range want {
		info, ok := engine.LookupModule(name)
		if !ok {
			t.Fatalf("module %q is not registered", name)
		}
		r, ok := info.New().(engine.Repeatable)
		if !ok || r.SafeToRepeat() != safe {
			t.Errorf("module %s: Repeatable = %v, SafeToRepeat = %v; want %v", name, ok, ok && r.SafeToRepeat(), safe)
		}
	}
	s := shell(t)
	s.Removes = "/run/app.pid"
	if !s.SafeToRepeat() {
		t.Error("shell with removes: SafeToRepeat = false")
	}
}

func TestDescribeFetchAndTemplate(t *testing.T) {
	f := newModule[*modules.Fetch](t, "fetch")
	f.Src, f.Dest = "/var/log/app.log", "logs"
	if got, want := f.Describe(), "fetch /var/log/app.log to logs/HOST/var/log/app.log on the control node"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	f.Dest, f.Flat = "logs/app.log", true
	if got, want := f.Describe(), "fetch /var/log/app.log to logs/app.log on the control node"; got != want {
		t.Errorf("Describe with flat = %q, want %q", got, want)
	}
	tm := templateModule(t)
	tm.Dest, tm.Mode, tm.Group = "/etc/app.conf", "0640", "app"
	if got, want := tm.Describe(), "render a template to /etc/app.conf (0640, group app)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

func TestDescribeFile(t *testing.T) {
	f := newModule[*modules.File](t, "file")
	f.Path, f.State, f.Mode, f.Owner = "/srv/app", "directory", "0750", "app"
	if got, want := f.Describe(), "make /srv/app a directory (0750, owner app)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	f.State, f.Mode, f.Owner = "file", "", ""
	if got, want := f.Describe(), "make /srv/app a file (mode kept)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

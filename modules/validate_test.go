package modules_test

import (
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/moduletest"
	"github.com/runbookhq/runbook/modules"
	"github.com/zclconf/go-cty/cty"
)

func TestValidate(t *testing.T) {
	text := "x"
	cases := []struct {
		name   string
		module func(t *testing.T) engine.Module
		want   string // a part of the error; "" means valid
	}{
		{"command with argv", func(t *testing.T) engine.Module { c := command(t); c.Argv = []string{"true"}; return c }, ""},
		{"command with both", func(t *testing.T) engine.Module { c := command(t); c.Argv = []string{"true"}; c.Cmd = "true"; return c }, "mutually exclusive"},
		{"command with neither", func(t *testing.T) engine.Module { return command(t) }, "one of argv and cmd is required"},
		{"command with empty program", func(t *testing.T) engine.Module { c := command(t); c.Argv = []string{"", "x"}; return c }, "program name"},
		{"command with no ok_codes", func(t *testing.T) engine.Module { c := command(t); c.Cmd = "true"; c.OKCodes = nil; return c }, "ok_codes"},
		{"command with bad ok_code", func(t *testing.T) engine.Module { c := command(t); c.Cmd = "true"; c.OKCodes = []int{256}; return c }, `"ok_codes": 256`},
		{"shell without script", func(t *testing.T) engine.Module { s := shell(t); s.Script = " \n"; return s }, "script is empty"},
		{"shell without interpreter", func(t *testing.T) engine.Module { s := shell(t); s.Script = "true"; s.Interpreter = ""; return s }, "interpreter is empty"},
		{"copy with content", func(t *testing.T) engine.Module { c := copyModule(t); c.Content = &text; c.Dest = "/d"; return c }, ""},
		{"copy with both", func(t *testing.T) engine.Module {
			c := copyModule(t)
			c.Content = &text
			c.Src = "s"
			c.Dest = "/d"
			return c
		}, "mutually exclusive"},
		{"copy with neither", func(t *testing.T) engine.Module { c := copyModule(t); c.Dest = "/d"; return c }, "one of content and src is required"},
		{"copy without dest", func(t *testing.T) engine.Module { c := copyModule(t); c.Content = &text; return c }, "dest is empty"},
		{"copy with decimal mode", func(t *testing.T) engine.Module {
			c := copyModule(t)
			c.Content, c.Dest, c.Mode = &text, "/d", "0999"
			return c
		}, `mode "0999"`},
		{"copy with special bits", func(t *testing.T) engine.Module {
			c := copyModule(t)
			c.Content, c.Dest, c.Mode = &text, "/d", "4755"
			return c
		}, `mode "4755"`},
		{"fetch without src", func(t *testing.T) engine.Module { f := newModule[*modules.Fetch](t, "fetch"); f.Dest = "d"; return f }, "src is empty"},
		{"template that does not parse", func(t *testing.T) engine.Module {
			tm := templateModule(t)
			tm.Source, tm.Dest = "{{ .x ", "/d"
			return tm
		}, "parse template"},
		{"template with string vars", func(t *testing.T) engine.Module {
			tm := templateModule(t)
			tm.Source, tm.Dest, tm.Vars = "x", "/d", cty.StringVal("x")
			return tm
		}, "vars must be an object"},
		{"wait_for port", func(t *testing.T) engine.Module { w := waitFor(t); w.Port = 22; return w }, ""},
		{"wait_for nothing", func(t *testing.T) engine.Module { return waitFor(t) }, "exactly one of port, path and command"},
		{"wait_for port and path", func(t *testing.T) engine.Module { w := waitFor(t); w.Port = 22; w.Path = "/p"; return w }, "exactly one of port, path and command"},
		{"wait_for port out of range", func(t *testing.T) engine.Module { w := waitFor(t); w.Port = 70000; return w }, "port 70000"},
		{"wait_for port without host", func(t *testing.T) engine.Module { w := waitFor(t); w.Port = 22; w.Host = ""; return w }, "host is empty"},
		{"wait_for unknown state", func(t *testing.T) engine.Module { w := waitFor(t); w.Path = "/p"; w.State = "up"; return w }, `state "up"`},
		{"wait_for stopped command", func(t *testing.T) engine.Module { w := waitFor(t); w.Command = "true"; w.State = "stopped"; return w }, "state does not apply"},
		{"wait_for bad within", func(t *testing.T) engine.Module { w := waitFor(t); w.Path = "/p"; w.Within = "soon"; return w }, `argument "within": "soon" is not a positive duration`},
		{"wait_for zero interval", func(t *testing.T) engine.Module { w := waitFor(t); w.Path = "/p"; w.Interval = "0s"; return w }, `argument "interval": "0s" is not a positive duration`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.module(t).(engine.Validator).Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestArgumentErrorsAreAtTheirArgument loads tasks with one wrong
// argument each and wants the error at that argument's place, not at
// the task's.
func TestArgumentErrorsAreAtTheirArgument(t *testing.T) {
	for _, c := range []struct{ module, body, at, want string }{
		{"command", "cmd = \"true\"\n  ok_codes = [0, 256]", "main.hcl:3:14", "256 is not an exit status"},
		{"shell", "script = \"  \"", "main.hcl:2:12", "script is empty"},
		{"shell", "script = \"true\"\n  interpreter = \"\"", "main.hcl:3:17", "interpreter is empty"},
		{"wait_for", "port = 99999", "main.hcl:2:10", "99999 is not between 1 and 65535"},
		{"wait_for", "port = 80\n  host = \"\"", "main.hcl:3:10", "host is empty"},
		{"wait_for", "path = \"/tmp/x\"\n  state = \"up\"", "main.hcl:3:11", `"up" is neither`},
		{"wait_for", "command = \"true\"\n  state = \"stopped\"", "main.hcl:3:11", "state does not apply to command"},
		{"fetch", "src = \"/etc/../etc/passwd\"\n  dest = \"/tmp/f\"", "main.hcl:2:9", "has a .. element"},
		{"fetch", "src = \"\"\n  dest = \"/tmp/f\"", "main.hcl:2:9", "src is empty"},
	} {
		src := "task \"" + c.module + "\" \"x\" {\n  " + c.body + "\n}\n"
		if got := moduletest.LoadErrors(t, src); !strings.Contains(got, c.at) || !strings.Contains(got, c.want) {
			t.Errorf("%s\ngives\n%s\nwant %s at %s", src, got, c.want, c.at)
		}
	}
}

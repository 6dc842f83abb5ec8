package compile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/internal/config"
	"github.com/runbookhq/runbook/engine/internal/loadtest"
	"github.com/zclconf/go-cty/cty"
)

// TestHostAttributesFromTheTable checks that host.NAME shows every
// attribute config.HostAttrs says it shows, that a host block may set
// every settable one, and that a misspelt one is refused with a
// suggestion from the table.
func TestHostAttributesFromTheTable(t *testing.T) {
	var b strings.Builder
	b.WriteString("host \"web\" {\n")
	for _, a := range config.HostAttrs {
		switch {
		case !a.Settable:
		case a.Type == cty.String:
			fmt.Fprintf(&b, "  %s = \"x\"\n", a.Name)
		case a.Name == "port":
			b.WriteString("  port = 2222\n")
		case a.Name == "groups":
			b.WriteString("  groups = [\"g\"]\n")
		case a.Name == "vars":
			b.WriteString("  vars = { role = \"r\" }\n")
		default:
			t.Fatalf("no test value for the host attribute %s", a.Name)
		}
	}
	b.WriteString("}\nlocals {\n")
	for _, name := range config.ShownHostAttrs() {
		fmt.Fprintf(&b, "  %s = host.web.%s\n", name, name)
	}
	b.WriteString("}\n")
	p, diags := Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": b.String()}), LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(loadtest.DiagText(p, diags))
	}
	for _, name := range config.ShownHostAttrs() {
		if v := p.root.localIdx[name].value; !v.IsWhollyKnown() || v.IsNull() {
			t.Errorf("host.web.%s = %#v", name, v)
		}
	}
	_, diags = Load(loadtest.WritePlaybook(t, map[string]string{"main.hcl": "host \"web\" {}\nlocals { a = host.web.adress }\n"}), LoadOptions{})
	if text := loadtest.Flat(loadtest.DiagText(nil, diags)); !strings.Contains(text, `Did you mean "address"?`) {
		t.Errorf("a misspelt host attribute:\n%s", text)
	}
}

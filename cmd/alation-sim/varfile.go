package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/runbookhq/runbook/internal/sim"
)

// varFileName is the name of the var file up writes in the pair's
// directory.
const varFileName = "pair.vars.hcl"

// writeVarFile writes the variables of the bundled ha-pair playbook that
// target p, then extra ones (NAME=VALUE, such as a profile's), into p's
// directory and returns the file's path. The file is private to its
// owner: extra variables may hold credentials.
func writeVarFile(p *sim.Pair, extra ...string) (string, error) {
	path := filepath.Join(p.Dir, varFileName)
	if err := os.WriteFile(path, []byte(varFile(p, extra...)), 0o600); err != nil {
		return "", fmt.Errorf("write var file: %w", err)
	}
	return path, nil
}

// varFile returns the HCL var file of the ha-pair playbook for p, with
// the extra variables (NAME=VALUE) last.
func varFile(p *sim.Pair, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Variables of the ha-pair playbook for the simulated Alation pair in %s.\n", p.Dir)
	fmt.Fprintf(&b, "primary       = %s\n", hclString(p.Primary.Address))
	fmt.Fprintf(&b, "secondary     = %s\n", hclString(p.Secondary.Address))
	fmt.Fprintf(&b, "ssh_user      = %s\n", hclString(p.User))
	fmt.Fprintf(&b, "ssh_port      = %d\n", p.Primary.SSHPort)
	fmt.Fprintf(&b, "identity_file = %s\n", hclString(p.KeyPath))
	for _, v := range extra {
		name, value, _ := strings.Cut(v, "=")
		fmt.Fprintf(&b, "%s = %s\n", name, hclString(value))
	}
	return b.String()
}

// hclEscaper escapes what HCL's quoted strings do not take literally.
var hclEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "${", "$${", "%{", "%%{")

// hclString returns s as an HCL quoted string.
func hclString(s string) string { return `"` + hclEscaper.Replace(s) + `"` }

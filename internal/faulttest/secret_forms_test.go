package faulttest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestSecretsInOtherFormsNeverShow gives sensitive variables values that
// reach the output in a form other than a string of their own: a number
// that a command prints, a text with a quote and a tab that an error
// quotes as Go does, and a token that a line too long to be sent whole
// holds where it is cut in two. None shows, in text or in JSON.
func TestSecretsInOtherFormsNeverShow(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	srv := sshdtest.Start(t, sshdtest.Options{})
	pin := fmt.Sprint(1000000 + rand.IntN(9000000))
	word := fmt.Sprintf("%016x", rand.Uint64())
	token := secret("token")
	dir := writeFiles(t, map[string]string{
		"pin.hcl": `
variable "pin" {
  type      = number
  sensitive = true
}
` + hostBlock("a", srv, loginUser(t)) + `
task "command" "show_pin" {
  on  = [host.a]
  cmd = "echo ${var.pin}; exit 3"
}
`,
		"quoted.hcl": `
variable "word" {
  type      = string
  sensitive = true
}
` + hostBlock("a", srv, "root") + `
task "alation_shell" "set_word" {
  on    = [host.a]
  key   = "some.key"
  value = var.word
}
`,
		"long.hcl": `
variable "token" {
  type      = string
  sensitive = true
}
` + hostBlock("a", srv, loginUser(t)) + fmt.Sprintf(`
task "command" "show_token" {
  on  = [host.a]
  env = { TOKEN = var.token }
  cmd = "head -c %d /dev/zero | tr '\\0' x; echo \"$TOKEN\"; exit 3"
}
`, 64<<10-len(token)+2),
		"pin.vars.hcl":    fmt.Sprintf("pin = %s\n", pin),
		"long.vars.hcl":   fmt.Sprintf("token = %q\n", token),
		"quoted.vars.hcl": fmt.Sprintf("word = \"say \\\"%s\\\"\\tnow\"\n", word),
	})
	env := cliEnv(t)
	for _, tc := range []struct {
		name, playbook, secret string
		args                   []string
	}{
		{"number printed", "pin", pin, []string{"run", "--known-hosts", knownHosts(t, trusting(srv)...), "--state-dir", t.TempDir()}},
		{"text quoted in an error", "quoted", word, []string{"run", "--state-dir", t.TempDir()}},
		{"text cut in two", "long", token[:len(token)-2], []string{"run", "--known-hosts", knownHosts(t, trusting(srv)...), "--state-dir", t.TempDir()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, filepath.Join(dir, tc.playbook+".hcl"), "--var-file", filepath.Join(dir, tc.playbook+".vars.hcl"))
			text, textErr, _ := runCLI(t, env, args...)
			jsonOut, jsonErr, _ := runCLI(t, env, append(args, "--output", "json")...)
			for name, out := range map[string]string{"text output": text + textErr, "JSON output": jsonOut + jsonErr} {
				wantNoSecret(t, name, out, tc.secret)
				wantContains(t, name, out, "(sensitive)")
			}
		})
	}
}

package faulttest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestSecretInCmdNotInProcessList runs, on a host over SSH, a command
// whose cmd holds a sensitive value: while it runs, it reads the argument
// vector of every process of the host (this machine) and counts those
// that show the value, which must be none; it still sees the value and
// its environment. A sensitive value in argv, which must reach the
// program as an argument, is warned about at load, at its place.
func TestSecretInCmdNotInProcessList(t *testing.T) {
	t.Parallel()
	user := loginUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	token := secret("token")
	dir := writeFiles(t, map[string]string{
		"main.hcl": `
variable "token" {
  type      = string
  sensitive = true
}
` + hostBlock("a", srv, user) + `
task "command" "scan" {
  on  = [host.a]
  env = { GREETING = "hello" }
  cmd = <<-EOT
    token='${var.token}'
    found=0
    for f in /proc/[0-9]*/cmdline; do
      line=$(tr '[:cntrl:]' ' ' <"$f" 2>/dev/null) || continue
      case "$line" in *"$token"*) found=$((found+1)) ;; esac
    done
    echo "$GREETING, $${#token} characters; processes showing them: $found"
  EOT
}

task "command" "in_argv" {
  on   = [host.a]
  argv = ["true", "--token=${var.token}"]
}
`,
	})
	stdout, stderr, code := runCLI(t, cliEnv(t, "RUNBOOK_VAR_token="+token), "run", filepath.Join(dir, "main.hcl"),
		"--known-hosts", knownHosts(t, trusting(srv)...), "--state-dir", t.TempDir(), "--output", "json")
	if code != 0 {
		t.Fatalf("exit status %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	want := fmt.Sprintf("hello, %d characters; processes showing them: 0", len(token))
	if got := jsonOutputs(t, stdout)["scan"]["stdout"]; got != want {
		t.Errorf("scan printed %q, want %q", got, want)
	}
	wantContains(t, "the warnings", stderr, "Warning: Sensitive value in a command line",
		filepath.Join(dir, "main.hcl")+":29,10", `argv = ["true", "--token=${var.token}"]`)
	if strings.Count(stderr, "Warning: Sensitive value") != 1 {
		t.Errorf("want one warning, for argv only:\n%s", stderr)
	}
	wantNoSecret(t, "the output", stdout+stderr, token)
}

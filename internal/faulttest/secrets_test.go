package faulttest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// secret returns a random text that stands for a secret of kind.
func secret(kind string) string { return fmt.Sprintf("%s-%016x", kind, rand.Uint64()) }

// secretsPlaybook uses a sudo password and a sensitive token on host a:
// sudo asks for the password; the token is echoed by commands (one of
// them failing) and written to a file through sudo.
func secretsPlaybook(srv *sshdtest.Server, user, dest string) string {
	return `
variable "sudo_password" {
  type      = string
  sensitive = true
}

variable "token" {
  type      = string
  sensitive = true
}
` + hostBlock("a", srv, user, "sudo_password = var.sudo_password") + fmt.Sprintf(`
task "command" "as_root" {
  on   = [host.a]
  sudo = true
  cmd  = "sleep 1; id -u"
}

task "command" "echo_token" {
  on  = [host.a]
  env = { TOKEN = var.token }
  cmd = "sleep 1; echo token=$TOKEN; echo $TOKEN >&2"
}

task "command" "fail_token" {
  on  = [host.a]
  env = { TOKEN = var.token }
  cmd = "sleep 0.5; echo $TOKEN >&2; exit 3"
}

task "copy" "token_file" {
  on      = [host.a]
  sudo    = true
  content = "token=${var.token}\n"
  dest    = %q
  mode    = "0600"
}
`, dest)
}

// TestSecretsNeverShow runs, with the runbook command, a playbook whose
// sudo password (sudo really asks for it) and sensitive token are used and
// echoed on the host, in text and in JSON. Neither secret appears in what
// runbook prints, nor in its journal, nor in the argument vector of any
// process on the machine while the runs go on.
func TestSecretsNeverShow(t *testing.T) {
	requireRoot(t)
	t.Parallel()
	user := sshdtest.NewSudoUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	token := secret("token")
	dest := filepath.Join(t.TempDir(), "token")
	t.Cleanup(func() { os.Remove(dest) })
	dir := writeFiles(t, map[string]string{
		"main.hcl":         secretsPlaybook(srv, user.Name, dest),
		"secrets.vars.hcl": fmt.Sprintf("token = %q\n", token),
	})
	env := cliEnv(t, "RUNBOOK_VAR_sudo_password="+user.Password)
	state := t.TempDir()
	args := []string{"run", filepath.Join(dir, "main.hcl"), "--var-file", filepath.Join(dir, "secrets.vars.hcl"),
		"--known-hosts", knownHosts(t, trusting(srv)...), "--state-dir", state}
	secrets := []string{user.Password, token}

	// The script of echo_token is in the argument vector of a shell on
	// the host while it sleeps: seeing it proves the watch sees the run.
	canary := "sleep 1; echo token=$TOKEN"
	watch := watchArgv(append(secrets, canary)...)
	text, textErr, textCode := runCLI(t, env, args...)
	jsonOut, jsonErr, jsonCode := runCLI(t, env, append(args, "--output", "json")...)
	seen := watch.stop()

	for _, code := range []int{textCode, jsonCode} {
		if code != 1 {
			t.Errorf("exit status %d, want 1 (fail_token fails)\ntext:\n%s%s\njson:\n%s%s", code, text, textErr, jsonOut, jsonErr)
		}
	}
	for _, s := range secrets {
		if procs := seen(s); len(procs) > 0 {
			t.Errorf("a secret in the arguments of processes on the host:\n%s", strings.Join(procs, "\n"))
		}
	}
	if len(seen(canary)) == 0 {
		t.Errorf("the watch of the processes' arguments never saw echo_token's command %q", canary)
	}
	journalText := filesIn(t, state)
	for name, out := range map[string]string{"text output": text + textErr, "JSON output": jsonOut + jsonErr, "journal": journalText} {
		wantNoSecret(t, name, out, secrets...)
		wantContains(t, name, out, "(sensitive)")
	}
	outputs := jsonOutputs(t, jsonOut)
	if got := outputs["as_root"]["stdout"]; got != "0" {
		t.Errorf("id -u through sudo printed %v, want 0: sudo did not take the password", got)
	}
	if b, err := os.ReadFile(dest); err != nil || string(b) != "token="+token+"\n" {
		t.Errorf("the token file holds %q (%v), want the token", b, err)
	}
}

// TestSecretsNotInDiagnostics gives sensitive variables values that are
// refused, from a var file and from the environment: the errors name the
// variables, and never show the values.
func TestSecretsNotInDiagnostics(t *testing.T) {
	t.Parallel()
	pin, code, list := secret("pin"), secret("code"), secret("list")
	dir := writeFiles(t, map[string]string{
		"main.hcl": `
variable "pin" {
  type      = number
  sensitive = true
}

variable "code" {
  type      = string
  sensitive = true

  validation {
    condition     = length(var.code) > 64
    error_message = "The code is too short."
  }
}

variable "codes" {
  type      = list(string)
  sensitive = true
}
`,
		"secrets.vars.hcl": fmt.Sprintf("pin  = %q\ncode = %q\n", pin, code),
	})
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		says []string
	}{
		{"var file", []string{"RUNBOOK_VAR_codes=[]"}, []string{"--var-file", filepath.Join(dir, "secrets.vars.hcl")}, []string{"var.pin", "var.code", "The code is too short."}},
		{"environment", []string{"RUNBOOK_VAR_pin=" + pin, "RUNBOOK_VAR_code=" + code, "RUNBOOK_VAR_codes=[" + list}, nil, []string{"var.pin", "var.codes", "The code is too short."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, exit := runCLI(t, cliEnv(t, tc.env...), append([]string{"validate", filepath.Join(dir, "main.hcl")}, tc.args...)...)
			if exit != 2 {
				t.Fatalf("exit status %d, want 2\nstdout:\n%s\nstderr:\n%s", exit, stdout, stderr)
			}
			wantContains(t, "the diagnostics", stderr, tc.says...)
			wantNoSecret(t, "the diagnostics", stdout+stderr, pin, code, list)
		})
	}
}

// filesIn returns the contents of the files in dir, one after the other.
func filesIn(t testing.TB, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// wantNoSecret fails the test when text holds any of secrets.
func wantNoSecret(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if i := strings.Index(text, s); i >= 0 {
			t.Errorf("%s shows a secret: %q", what, text[max(0, i-200):min(len(text), i+len(s)+50)])
		}
	}
}

// jsonOutputs reads the events of a --output json run and returns the
// outputs of each task that ran, by task name (the playbook's tasks run
// on one host).
func jsonOutputs(t testing.TB, stdout string) map[string]map[string]any {
	t.Helper()
	outputs := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var e struct {
			Kind    string         `json:"kind"`
			Task    string         `json:"task"`
			Outputs map[string]any `json:"outputs"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not a JSON event: %q: %v", line, err)
		}
		if e.Kind == "task_finished" && e.Outputs != nil {
			outputs[e.Task] = e.Outputs
		}
	}
	return outputs
}

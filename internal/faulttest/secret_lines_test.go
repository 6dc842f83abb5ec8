package faulttest

import (
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sshdtest"
)

// foldWidth is the width at which the test cuts the lines of the key, as
// fold -w does: a fragment of a line is hidden as well as the line.
const foldWidth = 16

// randomPEM returns a PEM block of random bytes whose last base64 line is
// short (four characters), as the last line of a real key often is.
func randomPEM(t testing.TB) string {
	t.Helper()
	data := make([]byte, 48*20+3)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: data}))
}

// keyPieces returns what must never show of key: its lines, and each
// line cut at foldWidth.
func keyPieces(key string) []string {
	var pieces []string
	for _, line := range strings.Split(strings.TrimSpace(key), "\n") {
		pieces = append(pieces, line)
		for i := 0; i < len(line); i += foldWidth {
			pieces = append(pieces, strings.TrimSpace(line[i:min(i+foldWidth, len(line))]))
		}
	}
	slices.Sort(pieces)
	return slices.Compact(pieces)
}

// standalone splits a text into the places where a short piece of a
// secret could stand alone: its lines, JSON strings and escaped lines,
// items of "; " lists and the lines of a transcript ("| line").
var standalone = regexp.MustCompile(`\r?\n|\\[nr]|; |\| |"`)

// wantNoPiece fails the test when text shows a piece of key: a piece of
// minimum length anywhere, a shorter one where it stands alone.
func wantNoPiece(t testing.TB, what, text string, pieces []string) {
	t.Helper()
	items := map[string]bool{}
	for _, item := range standalone.Split(text, -1) {
		items[strings.TrimSpace(item)] = true
	}
	for _, p := range pieces {
		if (len(p) >= 8 && strings.Contains(text, p)) || items[p] {
			i := max(0, strings.Index(text, p))
			t.Errorf("%s shows a piece of the key, %q: %q", what, p, text[max(0, i-200):min(len(text), i+len(p)+100)])
		}
	}
}

// TestMultiLineSecretNeverShows runs, with the runbook command, a task
// that prints a sensitive PEM block on a host over SSH, as it is, with
// CRLF line ends, indented and cut into fragments, on standard output
// and standard error, and fails: no line of the block, nor a fragment,
// appears in the text output, the JSON events or the journal.
func TestMultiLineSecretNeverShows(t *testing.T) {
	t.Parallel()
	user := loginUser(t)
	srv := sshdtest.Start(t, sshdtest.Options{})
	key := randomPEM(t)
	dir := writeFiles(t, map[string]string{
		"main.hcl": `
variable "key" {
  type      = string
  sensitive = true
}
` + hostBlock("a", srv, user) + fmt.Sprintf(`
task "command" "show_key" {
  on  = [host.a]
  env = { KEY = var.key }
  cmd = <<-EOT
    f=$(mktemp)
    printf '%%s\n' "$KEY" >"$f"
    cat "$f"
    sed 's/$/\r/' "$f"
    sed 's/^/    /' "$f"
    fold -w %d "$f"
    cat "$f" >&2
    rm -f "$f"
    exit 3
  EOT
}
`, foldWidth),
		"key.vars.hcl": fmt.Sprintf("key = %q\n", key),
	})
	state := t.TempDir()
	args := []string{"run", filepath.Join(dir, "main.hcl"), "--var-file", filepath.Join(dir, "key.vars.hcl"),
		"--known-hosts", knownHosts(t, trusting(srv)...), "--state-dir", state}
	env := cliEnv(t)
	text, textErr, textCode := runCLI(t, env, args...)
	jsonOut, jsonErr, jsonCode := runCLI(t, env, append(args, "--output", "json")...)
	for _, code := range []int{textCode, jsonCode} {
		if code != 1 {
			t.Fatalf("exit status %d, want 1 (show_key fails)\ntext:\n%s%s\njson:\n%s%s", code, text, textErr, jsonOut, jsonErr)
		}
	}
	pieces := keyPieces(key)
	for name, out := range map[string]string{"text output": text + textErr, "JSON output": jsonOut + jsonErr, "journal": filesIn(t, state)} {
		wantNoPiece(t, name, out, pieces)
		wantContains(t, name, out, "(sensitive)")
	}
}

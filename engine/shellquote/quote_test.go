package shellquote

import (
	"os/exec"
	"strings"
	"testing"
)

func TestQuoteRoundTrip(t *testing.T) {
	words := []string{"", "plain", "a b", "it's", "''", `"`, `\`, `\'`, "$HOME", "${x}", "`id`", "$(id)",
		"*", "?", "[a]", "~", "~root", "a=b", "#", "!", ";", "&", "|", "<>", "(", "{}", "\t", "new\nline", "ünï", "-n", "--"}
	out, err := exec.Command("/bin/sh", "-c", `for w in `+Join(words)+`; do printf '%s\0' "$w"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if strings.Join(got, "|") != strings.Join(words, "|") {
		t.Fatalf("shell read back %q, want %q", got, words)
	}
}

func TestQuoteLeavesPlainWords(t *testing.T) {
	for _, w := range []string{"abc", "/usr/bin/env", "a-b_c.d", "user@host:22", "50%", "a,b", "x+y"} {
		if got := Quote(w); got != w {
			t.Errorf("Quote(%q) = %q", w, got)
		}
	}
	for w, want := range map[string]string{"": "''", "a b": "'a b'", "it's": `'it'\''s'`, "a=b": "'a=b'"} {
		if got := Quote(w); got != want {
			t.Errorf("Quote(%q) = %q, want %q", w, got, want)
		}
	}
}

func TestIsName(t *testing.T) {
	for s, want := range map[string]bool{"A": true, "_x1": true, "PATH": true, "": false, "1A": false, "A-B": false, "A;B": false, "A=B": false, "É": false} {
		if got := IsName(s); got != want {
			t.Errorf("IsName(%q) = %v, want %v", s, got, want)
		}
	}
}

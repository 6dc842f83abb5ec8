package shell

import (
	"errors"
	"strings"
	"testing"
)

func TestHandshakeSeparatesEarlyLines(t *testing.T) {
	stderr := NewLines(nil)
	h := &Handshake{Stderr: stderr}
	for _, chunk := range []string{"motd line\nrunbook-re", "ady 4242\nfrom the ", "command\n"} {
		if _, err := h.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if h.Group() != "4242" || h.Failure() != nil {
		t.Fatalf("group %q failure %v", h.Group(), h.Failure())
	}
	if string(stderr.Bytes()) != "from the command\n" {
		t.Fatalf("stderr %q", stderr.Bytes())
	}
}

func TestHandshakeFailures(t *testing.T) {
	required := errors.New("required")
	for _, tc := range []struct{ stderr, want string }{
		{"sudo: a password is required\n", "required"},
		{"Sorry, try again.\nsudo: 1 incorrect password attempt\n", "sudo rejected the password"},
		{"sh: 1: exec: /bin/sh: not found\n", "command did not start: sh: 1: exec: /bin/sh: not found"},
		{"", "command did not start and wrote nothing"},
	} {
		h := &Handshake{Stderr: NewLines(nil), PasswordRequired: required}
		if _, err := h.Write([]byte(tc.stderr)); err != nil {
			t.Fatal(err)
		}
		if err := h.Failure(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("stderr %q: failure %v, want %q", tc.stderr, err, tc.want)
		}
	}
}

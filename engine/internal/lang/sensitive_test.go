package lang

import "testing"

// TestRedactSecretLines checks the redaction rule for secrets of several
// lines, such as a key in PEM: each line is hidden in output, however it
// is cut, indented or ended, and unrelated text is left alone.
func TestRedactSecretLines(t *testing.T) {
	const key = "-----BEGIN PRIVATE KEY-----\r\n" +
		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\r\n" +
		"Zg==\r\n" +
		"-----END PRIVATE KEY-----\r\n"
	r := &Redactor{}
	r.Add(key, "hunter2\n")
	for _, tc := range []struct{ in, want string }{
		{"-----BEGIN PRIVATE KEY-----", "(sensitive)"},
		{"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "(sensitive)"},
		{"    MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\r", "    (sensitive)\r"},
		{"key: MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7.", "key: (sensitive)."},
		{"Zg==", "(sensitive)"},
		{"  Zg==\r", "(sensitive)"},
		{"exited: MIIEvQIBADANBgkq; Zg==; -----END", "exited: MIIEvQIBADANBgkq; (sensitive); (sensitive)"},
		{"MIIEvQIBADANBgkq", "(sensitive)"},            // a fragment as cut by fold
		{"xxx MIIEvQIBADAN", "xxx (sensitive)"},        // a line cut in pieces: the start of a secret line ends one
		{"AAoIBAQC7 yyy", "(sensitive) yyy"},           // and its end starts the next
		{"xxx MIIEvQI", "xxx MIIEvQI"},                 // too short to hide
		{"hkiG9w0BAQEFAASCBK", "(sensitive)"},          // from the middle of a line
		{"password: hunter2", "password: (sensitive)"}, // the one line of a secret ending in a newline
		{"first\nZg==\nlast", "first\n(sensitive)\nlast"},
		{"-----END CERTIFICATE-----", "-----END CERTIFICATE-----"},
		{"PRIVATE", "PRIVATE"},
		{"Zg==, or not", "Zg==, or not"},
		{"MIIEvQ is short", "MIIEvQ is short"},
		{"no secret here", "no secret here"},
	} {
		if got := r.Redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRedactIgnoresBlankSecrets checks that a secret of white space only
// does not garble every text.
func TestRedactIgnoresBlankSecrets(t *testing.T) {
	r := &Redactor{}
	r.Add(" ", "\n")
	if got := r.Redact("a b\nc"); got != "a b\nc" {
		t.Errorf("redact = %q", got)
	}
}

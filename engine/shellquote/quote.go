package shellquote

import "strings"

// Quote returns s quoted for a POSIX shell so that the shell reads it back
// as exactly one word equal to s. Words made only of characters that no
// shell treats specially are returned as they are.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, needsQuoting) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join quotes each word with Quote and joins them with spaces, giving a
// command line that a POSIX shell splits back into words.
func Join(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = Quote(w)
	}
	return strings.Join(quoted, " ")
}

// needsQuoting reports whether r may change how a shell reads a word.
func needsQuoting(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("-_./,:@%+", r)
}

// IsName reports whether s is a name a POSIX shell gives a variable: a
// letter or an underscore, then letters, digits and underscores. Only
// such a name can be set in an environment through a shell.
func IsName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

package alation

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// The alation_conf keys the HA procedure reads and sets.
const (
	keyReplicationMode = "alation.cluster.replication_mode"
	keyClusterHosts    = "alation.cluster.hosts"
	keyPgReplInLine    = "alation.cluster.pg_repl_in_line"
)

// readConf reads keys with alation_conf in one Alation shell session and
// returns their values. A key alation_conf does not print is missing from
// the map; a failure of the last key fails the call.
func readConf(ctx context.Context, h transport.Host, keys ...string) (map[string]string, error) {
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = "alation_conf " + shellquote.Quote(k)
	}
	res, err := runInShell(ctx, h, lines...)
	out, err := mustOK(res, err, "read "+strings.Join(keys, ", ")+" with alation_conf")
	if err != nil {
		return nil, err
	}
	return parseConf(out), nil
}

// getConf returns the value of one alation_conf key.
func getConf(ctx context.Context, h transport.Host, key string) (string, error) {
	values, err := readConf(ctx, h, key)
	if err != nil {
		return "", err
	}
	v, ok := values[key]
	if !ok {
		return "", fmt.Errorf("alation_conf %s printed no value", key)
	}
	return v, nil
}

// setConf sets key to value with alation_conf unless it already holds an
// equal value (see sameConfValue), and reports whether it changed it. The
// value read back afterwards decides whether the set worked, not the exit
// status.
func setConf(ctx context.Context, h transport.Host, key, value string) (bool, error) {
	current, err := getConf(ctx, h, key)
	if err != nil {
		return false, err
	}
	if sameConfValue(current, value) {
		return false, nil
	}
	_, err = runJudged(ctx, h, "alation_conf "+shellquote.Quote(key)+" -s "+shellquote.Quote(value), func(ctx context.Context) (bool, string, error) {
		now, err := getConf(ctx, h, key)
		return sameConfValue(now, value), key + " is " + quoteState(now) + ", not " + quoteState(value), err
	})
	return err == nil, err
}

// quoteState writes a value read back for a message: quoted, or "empty".
func quoteState(v string) string {
	if v == "" {
		return "empty"
	}
	return strconv.Quote(v)
}

// confLine matches a line alation_conf prints for a key: the key (a
// dotted name), "=" or ":" with any spaces or tabs around it, and the
// value, possibly empty.
var confLine = regexp.MustCompile(`^[ \t]*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)[ \t]*[=:][ \t]*(.*?)[ \t\r]*$`)

// parseConf reads the "KEY = VALUE" lines alation_conf prints, in any of
// the spellings confLine allows, each value unquoted (see confScalar).
// Lines of any other shape are ignored.
func parseConf(out string) map[string]string {
	values := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if m := confLine.FindStringSubmatch(line); m != nil {
			values[m[1]] = confScalar(m[2])
		}
	}
	return values
}

// confScalar returns a value as Python prints it without its quotes: 'x',
// "x", u'x' and b'x' are x; None, Python's null, is the empty string.
func confScalar(s string) string {
	s = strings.TrimSpace(s)
	if s == "None" {
		return ""
	}
	body := s
	if len(body) > 0 && strings.ContainsRune("uUbB", rune(body[0])) {
		body = body[1:]
	}
	if len(body) >= 2 && (body[0] == '\'' || body[0] == '"') && body[len(body)-1] == body[0] {
		return body[1 : len(body)-1]
	}
	return s
}

// parseList reads a list value as alation_conf prints or accepts it: a
// Python list or tuple (['a', 'b'], [u'a'], (u'a',)), a bare comma list
// (a,b), or [], () , None and the empty string for no items.
func parseList(s string) []string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '[' && s[len(s)-1] == ']' || s[0] == '(' && s[len(s)-1] == ')') {
		s = s[1 : len(s)-1]
	}
	items := []string{}
	for _, item := range strings.Split(s, ",") {
		if item = confScalar(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// isList reports whether a value is written as a list: bracketed, a
// tuple, or holding a comma.
func isList(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "[") || strings.HasPrefix(s, "(") || strings.Contains(s, ",")
}

// sameSet reports whether two lists hold the same items, in any order and
// however often.
func sameSet(a, b []string) bool {
	a, b = slices.Compact(slices.Sorted(slices.Values(a))), slices.Compact(slices.Sorted(slices.Values(b)))
	return slices.Equal(a, b)
}

// formatList writes items the way the procedure writes lists for
// alation_conf -s: ['a','b'].
func formatList(items []string) string {
	quoted := make([]string, len(items))
	for i, item := range items {
		quoted[i] = "'" + item + "'"
	}
	return "[" + strings.Join(quoted, ",") + "]"
}

// sameConfValue reports whether an alation_conf value as printed equals a
// wanted one: lists as sets of items, booleans regardless of case, anything
// else as text without Python's quotes.
func sameConfValue(current, wanted string) bool {
	if isList(current) || isList(wanted) {
		return sameSet(parseList(current), parseList(wanted))
	}
	current, wanted = confScalar(current), confScalar(wanted)
	if a, err := strconv.ParseBool(strings.ToLower(current)); err == nil {
		b, err := strconv.ParseBool(strings.ToLower(wanted))
		return err == nil && a == b
	}
	return current == wanted
}

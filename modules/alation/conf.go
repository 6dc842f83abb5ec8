package alation

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
		lines[i] = "alation_conf " + quote(k)
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
// equal value (see sameConfValue), and reports whether it changed it.
func setConf(ctx context.Context, h transport.Host, key, value string) (bool, error) {
	current, err := getConf(ctx, h, key)
	if err != nil {
		return false, err
	}
	if sameConfValue(current, value) {
		return false, nil
	}
	res, err := runInShell(ctx, h, "alation_conf "+quote(key)+" -s "+quote(value))
	if _, err := mustOK(res, err, "set "+key+" with alation_conf"); err != nil {
		return false, err
	}
	return true, nil
}

// parseConf reads the "KEY = VALUE" lines alation_conf prints. Lines of
// any other shape are ignored; a value may be empty.
func parseConf(out string) map[string]string {
	values := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), " =")
		if !ok || key == "" || strings.ContainsAny(key, " \t") || !strings.Contains(key, ".") {
			continue
		}
		values[key] = strings.TrimSpace(value)
	}
	return values
}

// parseList reads a list value as alation_conf prints or accepts it:
// ['a', 'b'], [a,b], a,b, or [] and the empty string for no items.
func parseList(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	items := []string{}
	for _, item := range strings.Split(s, ",") {
		item = strings.Trim(strings.TrimSpace(item), `'"`)
		if item != "" {
			items = append(items, item)
		}
	}
	return items
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
// wanted one: lists item by item, booleans regardless of case, anything
// else as text without surrounding quotes.
func sameConfValue(current, wanted string) bool {
	current, wanted = strings.TrimSpace(current), strings.TrimSpace(wanted)
	if strings.HasPrefix(current, "[") || strings.HasPrefix(wanted, "[") {
		return strings.Join(parseList(current), "\x00") == strings.Join(parseList(wanted), "\x00")
	}
	if a, err := strconv.ParseBool(strings.ToLower(current)); err == nil {
		b, err := strconv.ParseBool(strings.ToLower(wanted))
		return err == nil && a == b
	}
	return strings.Trim(current, `'"`) == strings.Trim(wanted, `'"`)
}

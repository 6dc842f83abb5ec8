package main

import (
	"strings"

	"github.com/runbookhq/runbook/engine"
)

// loadPlaybookArgs parses the arguments of a command that takes one
// PLAYBOOK and loads it. When ok is false the command returns code.
func (c *cli) loadPlaybookArgs(fs *flagSet, lf *loadFlags, args []string) (p *engine.Playbook, code int, ok bool) {
	positional, code, ok := fs.parse(c, args)
	if !ok {
		return nil, code, false
	}
	switch len(positional) {
	case 0:
		return nil, fs.usageError(c, "no playbook given"), false
	case 1:
	default:
		return nil, fs.usageError(c, "one playbook expected, got %d arguments: %s", len(positional), strings.Join(positional, " ")), false
	}
	p, ok = c.load(positional[0], lf)
	if !ok {
		return nil, exitUsage, false
	}
	return p, exitOK, true
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var list []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			list = append(list, item)
		}
	}
	return list
}

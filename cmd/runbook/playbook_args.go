package main

import (
	"fmt"
	"sort"
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

// limitHosts returns the set of hosts that --limit selects: the hosts it
// names and the members of the groups it names; an empty limit selects
// every host. A name that is neither a host nor a group is an error.
func limitHosts(hosts []engine.HostConfig, limit []string) (map[string]bool, error) {
	selected := map[string]bool{}
	if len(limit) == 0 {
		for _, h := range hosts {
			selected[h.Name] = true
		}
		return selected, nil
	}
	members := map[string][]string{}
	for _, h := range hosts {
		members[h.Name] = append(members[h.Name], h.Name)
		for _, g := range h.Groups {
			members[g] = append(members[g], h.Name)
		}
	}
	for _, name := range limit {
		names, ok := members[name]
		if !ok {
			known := make([]string, 0, len(members))
			for n := range members {
				known = append(known, n)
			}
			sort.Strings(known)
			return nil, fmt.Errorf("--limit: no host or group named %q.%s", name, didYouMean(name, known))
		}
		for _, n := range names {
			selected[n] = true
		}
	}
	return selected, nil
}

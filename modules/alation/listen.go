package alation

import (
	"context"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine/transport"
)

// localAddresses are the addresses that only the host itself reaches.
var localAddresses = []string{"localhost", "127.0.0.1", "::1", "localhost.localdomain"}

// onlyLocal reports whether a list of listen addresses, separated by
// commas (PostgreSQL's listen_addresses, mongod's bindIp), names only
// addresses of the host itself. An empty list is local too when
// emptyIsLocal: PostgreSQL then listens on its Unix socket alone.
func onlyLocal(list string, emptyIsLocal bool) bool {
	var addrs []string
	for _, a := range strings.Split(list, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return emptyIsLocal
	}
	for _, a := range addrs {
		if !slices.Contains(localAddresses, strings.ToLower(a)) {
			return false
		}
	}
	return true
}

// pgListenAddresses reads PostgreSQL's listen_addresses in the Alation
// shell of h; any role may read it.
func pgListenAddresses(ctx context.Context, h transport.Host) (string, error) {
	res, err := runInShell(ctx, h, "psql rosemeta -Atc 'SHOW listen_addresses'")
	out, err := mustOK(res, err, "read PostgreSQL's listen_addresses")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

package main

import (
	"fmt"
	"slices"
	"strings"
)

// problems returns what keeps the pair from replicating, in the order an
// operator would fix it; none means the secondary streams from the
// primary.
func (s pairState) problems() []string {
	prim, sec := s.pair.Primary, s.pair.Secondary
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }
	for _, h := range []hostState{s.primary, s.secondary} {
		if !h.services.is("running") {
			add("Alation is %s on the %s (%s)", h.services, h.host.Name, h.host.Address)
		}
	}
	if !s.primary.mode.is("master") {
		add("the primary's replication_mode is %s, not master", s.primary.mode)
	}
	if s.primary.clusterHosts.err != nil || !slices.Contains(clusterHostList(s.primary.clusterHosts.value), sec.Address+"/32") {
		add("the primary's alation.cluster.hosts is %s, without the secondary's %s/32", s.primary.clusterHosts, sec.Address)
	}
	switch {
	case !s.secondary.mode.is("slave"):
		add("the secondary's replication_mode is %s, not slave", s.secondary.mode)
	case !s.secondary.upstream.is(prim.Address):
		add("the secondary's PostgreSQL streams from %s, not the primary's %s", s.secondary.upstream, prim.Address)
	}
	switch {
	case s.replicasErr != nil:
		add("pg_stat_replication on the primary cannot be read: %v", s.replicasErr)
	case !slices.ContainsFunc(s.replicas, func(r replica) bool { return r.clientAddr == sec.Address && r.state == "streaming" }):
		add("pg_stat_replication on the primary shows no standby streaming from %s", sec.Address)
	}
	if !s.recovery.is("t") {
		add("the secondary's PostgreSQL is not a standby (pg_is_in_recovery: %s)", s.recovery)
	}
	switch {
	case s.mongoErr != nil:
		add("the primary's mongo shell shows no replication: %v", s.mongoErr)
	case !slices.ContainsFunc(s.mongo, func(m mongoSource) bool { return strings.HasPrefix(m.source, sec.Address+":") }):
		add("the primary's MongoDB does not replicate to %s", sec.Address)
	}
	return ps
}

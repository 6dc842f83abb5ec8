package alation

import (
	"context"
	"net/netip"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// route is what a host's routing says of the way to an address.
type route struct {
	source string // the local address the host sends from
	cidr   string // source with the prefix length of the network holding it
	local  bool   // the address is one of the host's own: a local route
}

// routeTo finds, best effort, the source address h uses to reach peer and
// that address with its network's prefix length. When peer is an address
// of the host itself (a local route, as between the hosts of a simulated
// pair) the kernel's source is a loopback address that says nothing of the
// host, so self, when it is an address of the host too, is reported
// instead. What it cannot learn it leaves empty, with a progress message
// saying why.
func routeTo(ctx context.Context, env *engine.Env, peer, self string) route {
	r, err := routeGet(ctx, env.Host, peer)
	if err != nil {
		env.Progressf("source address unknown: %v", err)
		return route{}
	}
	if r.local && self != "" {
		own, err := routeGet(ctx, env.Host, self)
		switch {
		case err != nil:
			env.Progressf("%s is an address of this machine; reporting the source %s, since whether self_address %s is one too is unknown: %v", peer, r.source, self, err)
		case !own.local:
			env.Progressf("%s is an address of this machine but self_address %s is not; reporting the source %s", peer, self, r.source)
		default:
			r.source = self
		}
	}
	res, err := runRoot(ctx, env.Host, "ip -o addr")
	addrs, err := mustOK(res, err, "list the addresses")
	if err != nil {
		env.Progressf("network of %s unknown: %v", r.source, err)
		return r
	}
	r.cidr = findCIDR(addrs, r.source)
	return r
}

// routeGet asks the kernel, with `ip -o route get`, how h reaches addr.
func routeGet(ctx context.Context, h transport.Host, addr string) (route, error) {
	res, err := runRoot(ctx, h, "ip -o route get "+shellquote.Quote(addr))
	out, err := mustOK(res, err, "find the route to "+addr)
	if err != nil {
		return route{}, err
	}
	return parseRoute(out), nil
}

// parseRoute reads the output of `ip -o route get`: the address after
// "src", and whether the route is of type local.
func parseRoute(out string) route {
	fields := strings.Fields(out)
	r := route{local: len(fields) > 0 && fields[0] == "local"}
	for i := 0; i+1 < len(fields); i++ {
		if fields[i] == "src" {
			r.source = fields[i+1]
			break
		}
	}
	return r
}

// findCIDR returns addr with the prefix length of the network that
// `ip -o addr` lists for it: its own entry's when addr is listed, else
// that of the narrowest listed network holding it (a loopback address
// other than 127.0.0.1 is held by lo's 127.0.0.1/8); "" when none does.
func findCIDR(out, addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return ""
	}
	var holder netip.Prefix
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		for i := 0; i+1 < len(fields); i++ {
			if fields[i] != "inet" && fields[i] != "inet6" {
				continue
			}
			p, err := netip.ParsePrefix(fields[i+1])
			switch {
			case err != nil:
			case p.Addr() == ip:
				return fields[i+1]
			case p.Contains(ip) && (!holder.IsValid() || p.Bits() > holder.Bits()):
				holder = p
			}
		}
	}
	if !holder.IsValid() {
		return ""
	}
	return netip.PrefixFrom(ip, holder.Bits()).String()
}

package alation

import (
	"context"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
)

// Facts reads what the preflight of an HA setup checks on a host. It
// never changes anything.
type Facts struct {
	Peer string `hcl:"peer,optional" doc:"Address of the other host of the pair. When set, the outputs source_address and source_cidr tell which local address, and its network, the host uses to reach it."`
}

// FactsOutputs are the outputs of alation_facts.
type FactsOutputs struct {
	Version         string   `cty:"version" doc:"The Alation version, as /etc/init.d/alation version prints it."`
	Major           int      `cty:"major" doc:"The major number of the version."`
	Minor           int      `cty:"minor" doc:"The minor number of the version."`
	Layout          string   `cty:"layout" doc:"The install layout: \"3.x\" (/usr/local/alation) or \"4.x\" (/opt/alation/alation)."`
	AlationDir      string   `cty:"alation_dir" doc:"The Alation directory of that layout."`
	ServicesRunning bool     `cty:"services_running" doc:"Whether /etc/init.d/alation status reports the services running."`
	ReplicationMode string   `cty:"replication_mode" doc:"The value of alation.cluster.replication_mode: standalone, master or slave."`
	ClusterHosts    []string `cty:"cluster_hosts" doc:"The value of alation.cluster.hosts: the secondaries of a primary."`
	Master          string   `cty:"master" doc:"The value of alation.cluster.master: the primary of a secondary, or empty."`
	MachineID       string   `cty:"machine_id" doc:"The content of /etc/machine-id, which tells two machines apart."`
	SourceAddress   string   `cty:"source_address" doc:"The local address the host uses to reach peer, as ip route get reports it; empty without peer or when unknown."`
	SourceCIDR      string   `cty:"source_cidr" doc:"That address with the prefix length of its interface (e.g. 10.0.0.2/24); empty when unknown."`
	LoginClean      bool     `cty:"login_clean" doc:"Whether a non-interactive login of the connecting user prints nothing besides the command's own output: no MOTD, no start-up file noise, which would break replication's ssh and rsync."`
	LoginOutput     string   `cty:"login_output" doc:"What such a login printed besides the command's output; empty when clean."`
}

// Run reads the facts.
func (m *Facts) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	in, err := detectInstall(ctx, env.Host)
	if err != nil {
		return engine.Result{}, err
	}
	out := FactsOutputs{Version: in.version, Major: in.major, Minor: in.minor, Layout: in.layout, AlationDir: in.dir}
	if out.ServicesRunning, err = servicesRunning(ctx, env.Host); err != nil {
		return engine.Result{}, err
	}
	// The mode comes last: the shell's exit status is that of its last
	// command, and older versions may not know alation.cluster.master.
	conf, err := readConf(ctx, env.Host, keyMaster, keyClusterHosts, keyReplicationMode)
	if err != nil {
		return engine.Result{}, err
	}
	out.ReplicationMode = conf[keyReplicationMode]
	out.ClusterHosts = parseList(conf[keyClusterHosts])
	out.Master = conf[keyMaster]
	res, err := runRoot(ctx, env.Host, "cat /etc/machine-id")
	id, err := mustOK(res, err, "read /etc/machine-id")
	if err != nil {
		return engine.Result{}, err
	}
	out.MachineID = strings.TrimSpace(id)
	if out.LoginOutput, err = loginNoise(ctx, env.Host); err != nil {
		return engine.Result{}, err
	}
	out.LoginClean = out.LoginOutput == ""
	if m.Peer != "" {
		out.SourceAddress, out.SourceCIDR = routeTo(ctx, env, m.Peer)
	}
	return engine.Result{Outputs: out}, nil
}

// loginNoise runs a bare command as the connecting user, without sudo,
// and returns whatever the login printed besides the command's output.
func loginNoise(ctx context.Context, h transport.Host) (string, error) {
	res, err := h.Run(ctx, transport.Command{Args: []string{"echo", outputMarker}})
	if _, err := mustOK(res, err, "log in to check the login is clean"); err != nil {
		return "", err
	}
	return extraOutput(string(res.Stdout), string(res.Stderr)), nil
}

// extraOutput returns what a login printed, on stdout and stderr, besides
// the outputMarker line the command itself printed.
func extraOutput(stdout, stderr string) string {
	stdout = strings.Replace(stdout, outputMarker+"\n", "", 1)
	return strings.TrimSpace(strings.TrimSpace(stdout) + "\n" + strings.TrimSpace(stderr))
}

// routeTo finds, best effort, the source address h uses to reach peer and
// that address with its interface's prefix length. What it cannot learn it
// leaves empty, with a progress message saying why.
func routeTo(ctx context.Context, env *engine.Env, peer string) (addr, cidr string) {
	res, err := runRoot(ctx, env.Host, "ip -o route get "+quote(peer))
	route, err := mustOK(res, err, "find the route to "+peer)
	if err != nil {
		env.Progressf("source address unknown: %v", err)
		return "", ""
	}
	addr = parseRouteSource(route)
	res, err = runRoot(ctx, env.Host, "ip -o addr")
	addrs, err := mustOK(res, err, "list the addresses")
	if err != nil {
		env.Progressf("network of %s unknown: %v", addr, err)
		return addr, ""
	}
	return addr, findCIDR(addrs, addr)
}

// parseRouteSource returns the address after "src" in the output of
// `ip -o route get`, or "".
func parseRouteSource(out string) string {
	fields := strings.Fields(out)
	for i := 0; i+1 < len(fields); i++ {
		if fields[i] == "src" {
			return fields[i+1]
		}
	}
	return ""
}

// findCIDR returns the "ADDRESS/PREFIX" that `ip -o addr` lists for addr,
// or "".
func findCIDR(out, addr string) string {
	if addr == "" {
		return ""
	}
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		for i := 0; i+1 < len(fields); i++ {
			if fields[i] != "inet" && fields[i] != "inet6" {
				continue
			}
			if ip, _, ok := strings.Cut(fields[i+1], "/"); ok && ip == addr {
				return fields[i+1]
			}
		}
	}
	return ""
}

// Describe says what the task reads.
func (m *Facts) Describe() string {
	if m.Peer != "" {
		return "read the Alation version, layout, services, cluster settings and machine id, and the route to " + m.Peer
	}
	return "read the Alation version, layout, services, cluster settings and machine id"
}

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name:    "alation_facts",
		Doc:     "Reads what the preflight of an Alation HA setup checks: the version and its layout, whether the services run, the cluster settings, the machine id, whether a login is clean and, given a peer, the address and network used to reach it. It never changes anything.",
		New:     func() engine.Module { return &Facts{} },
		Outputs: FactsOutputs{},
	})
}

var (
	_ engine.Module    = (*Facts)(nil)
	_ engine.Describer = (*Facts)(nil)
)

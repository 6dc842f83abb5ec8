package sshtransport

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// endpoint is one SSH server to connect to, with ssh_config applied.
type endpoint struct {
	alias          string // the name as given, for messages
	host           string
	port           int
	user           string
	identityFiles  []string
	explicitKeys   bool // identityFiles were named by the caller: missing ones are errors
	knownHosts     []string
	hashKnownHosts bool
	connectTimeout time.Duration
}

// addr returns host:port.
func (e endpoint) addr() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// route is how to reach a host: through hops, in order, to target.
type route struct {
	hops      []endpoint
	target    endpoint
	keepAlive time.Duration
}

// resolve applies ssh_config to cfg.
func resolve(cfg *Config) (route, error) {
	sc, err := loadSSHConfig(cfg.SSHConfigFile)
	if err != nil {
		return route{}, err
	}
	target, err := sc.endpoint(cfg, cfg.Address, cfg.User, cfg.Port)
	if err != nil {
		return route{}, err
	}
	r := route{target: target, keepAlive: cfg.KeepAlive}
	if r.keepAlive == 0 {
		r.keepAlive = sc.seconds(cfg.Address, "ServerAliveInterval", DefaultKeepAlive)
	}
	jump := cfg.ProxyJump
	if jump == "" {
		jump = sc.get(cfg.Address, "ProxyJump")
	}
	if jump == "" || jump == "none" {
		return r, nil
	}
	for _, spec := range strings.Split(jump, ",") {
		userName, alias, port, err := parseHop(strings.TrimSpace(spec))
		if err != nil {
			return route{}, err
		}
		hop, err := sc.endpoint(cfg, alias, userName, port)
		if err != nil {
			return route{}, err
		}
		r.hops = append(r.hops, hop)
	}
	return r, nil
}

// endpoint resolves alias with ssh_config, keeping userName and port when
// set, and the chain-wide settings of cfg (keys, known_hosts, timeout).
func (s sshConfig) endpoint(cfg *Config, alias, userName string, port int) (endpoint, error) {
	if alias == "" {
		return endpoint{}, fmt.Errorf("no address")
	}
	e := endpoint{alias: alias, host: alias, port: port, user: userName, connectTimeout: cfg.ConnectTimeout}
	if h := s.get(alias, "HostName"); h != "" {
		e.host = strings.ReplaceAll(h, "%h", alias)
	}
	if e.port == 0 {
		p := s.get(alias, "Port")
		if p == "" {
			e.port = DefaultPort
		} else if e.port, _ = strconv.Atoi(p); e.port <= 0 || e.port > 65535 {
			return endpoint{}, fmt.Errorf("ssh_config: bad Port %q for %s", p, alias)
		}
	}
	if e.user == "" {
		e.user = s.get(alias, "User")
	}
	if e.user == "" {
		e.user = localUser()
	}
	if e.connectTimeout == 0 {
		e.connectTimeout = s.seconds(alias, "ConnectTimeout", DefaultConnectTimeout)
	}
	e.identityFiles, e.explicitKeys = cfg.IdentityFiles, len(cfg.IdentityFiles) > 0
	if !e.explicitKeys {
		e.identityFiles = s.identityFiles(alias, e.host, e.user)
	}
	e.knownHosts = slices.Clone(cfg.KnownHostsFiles)
	if len(e.knownHosts) == 0 {
		e.knownHosts = strings.Fields(s.get(alias, "UserKnownHostsFile"))
	}
	if len(e.knownHosts) == 0 {
		e.knownHosts = []string{"~/.ssh/known_hosts"}
	}
	for i, f := range e.knownHosts {
		e.knownHosts[i] = expandPath(f, e.host, e.user)
	}
	e.hashKnownHosts = strings.EqualFold(s.get(alias, "HashKnownHosts"), "yes")
	return e, nil
}

// identityFiles returns ssh_config's IdentityFile entries for alias, or
// the default key files that exist.
func (s sshConfig) identityFiles(alias, host, remoteUser string) []string {
	files := s.getAll(alias, "IdentityFile")
	if len(files) == 0 {
		for _, name := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			files = append(files, filepath.Join("~", ".ssh", name))
		}
	}
	var found []string
	for _, f := range files {
		f = expandPath(f, host, remoteUser)
		if _, err := os.Stat(f); err == nil {
			found = append(found, f)
		}
	}
	return found
}

// seconds reads a duration given in seconds, or returns def.
func (s sshConfig) seconds(alias, key string, def time.Duration) time.Duration {
	if n, err := strconv.Atoi(s.get(alias, key)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return def
}

// parseHop splits a ProxyJump hop, [user@]host[:port].
func parseHop(spec string) (userName, host string, port int, err error) {
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		userName, spec = spec[:i], spec[i+1:]
	}
	host = spec
	if strings.HasPrefix(spec, "[") || strings.Count(spec, ":") == 1 {
		var p string
		if host, p, err = net.SplitHostPort(spec); err != nil {
			return "", "", 0, fmt.Errorf("ProxyJump hop %q: %w", spec, err)
		}
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return "", "", 0, fmt.Errorf("ProxyJump hop %q: bad port", spec)
		}
	}
	if host == "" {
		return "", "", 0, fmt.Errorf("ProxyJump hop %q: no host", spec)
	}
	return userName, host, port, nil
}

// localUser returns the name of the user running the program.
func localUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

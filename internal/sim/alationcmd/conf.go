package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// confKey is one alation_conf key: how to print it, in a style, and how
// to set it.
type confKey struct {
	get func(c *hostconf.Conf, st confStyle) string
	set func(c *hostconf.Conf, value string) error
}

// confStyle is how alation_conf prints a key: the separator between key
// and value, and how strings and lists are written.
type confStyle struct {
	sep  string
	str  func(string) string
	list func([]string) string
}

// confStyles are the styles of hostconf.ConfFormats, by name.
var confStyles = map[string]confStyle{
	hostconf.ConfSpaced:  {" = ", plain, pyList("", "[", "]", ", ", "[]")},
	hostconf.ConfCompact: {"=", plain, pyList("", "[", "]", ",", "[]")},
	hostconf.ConfColon:   {":\t", plain, pyList("", "[", "]", ", ", "[]")},
	hostconf.ConfPython2: {" = ", py2Str, pyList("u", "[", "]", ", ", "None")},
	hostconf.ConfTuple:   {" = ", py2Str, pyList("u", "(", ")", ", ", "()")},
	hostconf.ConfCSV:     {" = ", plain, func(items []string) string { return strings.Join(items, ",") }},
}

// plain writes a string as it is.
func plain(s string) string { return s }

// py2Str writes a string as Python 2 prints a unicode string.
func py2Str(s string) string { return "u'" + s + "'" }

// pyList returns a writer of lists as Python prints them: each item quoted
// with prefix (u for Python 2's unicode strings), between open and close,
// joined by sep; a one-item tuple keeps its trailing comma, and the empty
// list is written empty.
func pyList(prefix, open, close, sep, empty string) func([]string) string {
	return func(items []string) string {
		if len(items) == 0 {
			return empty
		}
		quoted := make([]string, len(items))
		for i, it := range items {
			quoted[i] = prefix + "'" + it + "'"
		}
		s := strings.Join(quoted, sep)
		if open == "(" && len(items) == 1 {
			s += ","
		}
		return open + s + close
	}
}

// confKeys are the keys the simulation knows; any other key is an error.
var confKeys = map[string]confKey{
	"alation.cluster.replication_mode": {
		get: func(c *hostconf.Conf, st confStyle) string { return st.str(c.ReplicationMode) },
		set: func(c *hostconf.Conf, v string) error {
			switch v {
			case hostconf.ModeStandalone, hostconf.ModeMaster, hostconf.ModeSlave:
				c.ReplicationMode = v
				return nil
			}
			return fmt.Errorf("invalid replication mode %q: want standalone, master or slave", v)
		},
	},
	"alation.cluster.hosts": {
		get: func(c *hostconf.Conf, st confStyle) string { return st.list(c.Hosts) },
		set: func(c *hostconf.Conf, v string) error {
			hosts, err := parseHosts(v)
			if err != nil {
				return err
			}
			c.Hosts = hosts
			return nil
		},
	},
	"alation.cluster.pg_repl_in_line": {
		get: func(c *hostconf.Conf, _ confStyle) string { return formatBool(c.PGReplInLine) },
		set: func(c *hostconf.Conf, v string) error {
			b, err := parseBool(v)
			if err != nil {
				return err
			}
			c.PGReplInLine = b
			return nil
		},
	},
}

// confCommand implements `alation_conf KEY [-s VALUE]`.
func (h *host) confCommand(args []string) error {
	const usage = "usage: alation_conf KEY [-s VALUE]"
	if len(args) != 1 && !(len(args) >= 2 && args[1] == "-s") {
		return &exitError{code: 2, msg: usage}
	}
	key := args[0]
	k, ok := confKeys[key]
	if !ok {
		return fmt.Errorf("unknown configuration key %q", key)
	}
	st := confStyles[h.cfg.ConfFormat]
	if len(args) == 1 {
		s, err := h.readState()
		if err != nil {
			return err
		}
		fmt.Printf("%s%s%s\n", key, st.sep, k.get(&s.Conf, st))
		return nil
	}
	value := strings.Join(args[2:], " ")
	if h.cfg.ReadOnlyConf {
		fmt.Printf("%s%s%s\n", key, st.sep, value)
		return nil
	}
	var shown string
	err := h.updateState(func(s *hostconf.State) error {
		if err := k.set(&s.Conf, value); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		shown = k.get(&s.Conf, st)
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("%s%s%s\n", key, st.sep, shown)
	return nil
}

// parseHosts accepts ['a/32', 'b/32'], [a/32,b/32] or a,b and checks that
// each entry is an address or a CIDR prefix.
func parseHosts(v string) ([]string, error) {
	v = strings.TrimSpace(v)
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	hosts := []string{}
	for _, item := range strings.Split(v, ",") {
		item = strings.Trim(strings.TrimSpace(item), `'"`)
		if item == "" {
			continue
		}
		if _, err := netip.ParsePrefix(item); err != nil {
			if _, err := netip.ParseAddr(item); err != nil {
				return nil, fmt.Errorf("invalid host %q: want an address with CIDR, e.g. 10.0.0.2/32", item)
			}
		}
		hosts = append(hosts, item)
	}
	return hosts, nil
}

func formatBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("invalid boolean %q: want True or False", v)
	}
	return b, nil
}

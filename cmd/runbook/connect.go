package main

import (
	"fmt"
	"slices"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/dialgate"
	"github.com/runbookhq/runbook/engine/transport/sshtransport"
)

// hostKeyModes maps the values of --host-key-checking to the transport's.
var hostKeyModes = map[string]sshtransport.HostKeyChecking{
	"strict":     sshtransport.Strict,
	"accept-new": sshtransport.AcceptNew,
	"off":        sshtransport.Off,
}

// sshFlags are the flags that steer SSH connections.
type sshFlags struct {
	hostKeyChecking string
	knownHosts      stringList
	identity        string
	mode            string
}

func (s *sshFlags) register(fs *flagSet) {
	fs.StringVar(&s.hostKeyChecking, "host-key-checking", "strict", "How to check host keys against known_hosts. `MODE` is strict (an unknown or changed key fails), accept-new (an unknown key is added, a changed one fails) or off (nothing is checked; a warning says so).")
	fs.Var(&s.knownHosts, "known-hosts", "Check host keys against this known_hosts `FILE` instead of ~/.ssh/known_hosts; repeatable.")
	fs.StringVar(&s.identity, "identity", "", "Private key `FILE` for the hosts whose block sets no identity_file.")
	fs.StringVar(&s.mode, "ssh-mode", string(sshtransport.SessionMode), "How commands reach a host. `MODE` is session (an SSH session for each command) or persistent (a few long-lived shells on each host run one command after another).")
}

// check reports a value of the flags that makes no sense.
func (s *sshFlags) check() error {
	if _, ok := hostKeyModes[s.hostKeyChecking]; !ok {
		return fmt.Errorf("--host-key-checking must be strict, accept-new or off, not %q", s.hostKeyChecking)
	}
	if !slices.Contains(sshtransport.Modes, sshtransport.Mode(s.mode)) {
		return fmt.Errorf("--ssh-mode must be session or persistent, not %q", s.mode)
	}
	return nil
}

// connector returns the RunOptions.Connect function: an SSH transport for
// each host, set from its host block and the flags. Key passphrases are
// asked on the terminal when there is one (pr non-nil); the transport's
// warnings reach the run as host_warning events (see sshtransport.ForHost),
// which the views show. Their connections are set up through dials.
func connector(s *sshFlags, pr *prompter, dials *dialgate.Gate) func(engine.HostConfig) (transport.Host, error) {
	return func(h engine.HostConfig) (transport.Host, error) {
		cfg := sshtransport.ForHost(h)
		cfg.KnownHostsFiles = s.knownHosts
		cfg.HostKeyChecking = hostKeyModes[s.hostKeyChecking]
		cfg.Dials = dials
		cfg.Mode = sshtransport.Mode(s.mode)
		if cfg.IdentityFiles == nil && s.identity != "" {
			cfg.IdentityFiles = []string{s.identity}
		}
		if pr != nil {
			cfg.PassphrasePrompt = pr.passphrase
		}
		// The transport's errors name the host already.
		host, err := sshtransport.New(cfg)
		if err != nil {
			return nil, err
		}
		return host, nil
	}
}

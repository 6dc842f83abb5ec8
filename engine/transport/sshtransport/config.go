package sshtransport

import (
	"fmt"
	"github.com/runbookhq/runbook/engine/transport/dialgate"
	"time"
)

// HostKeyChecking says how unknown and changed host keys are treated.
type HostKeyChecking int

// The host key policies. A changed key is refused by Strict and AcceptNew.
const (
	// Strict refuses hosts whose key is not in known_hosts.
	Strict HostKeyChecking = iota
	// AcceptNew trusts a host seen for the first time and records its key
	// in known_hosts.
	AcceptNew
	// Off accepts any key, warning loudly once per host.
	Off
)

// String names the policy as ssh_config's StrictHostKeyChecking would.
func (k HostKeyChecking) String() string {
	switch k {
	case Strict:
		return "yes"
	case AcceptNew:
		return "accept-new"
	case Off:
		return "no"
	}
	return fmt.Sprintf("HostKeyChecking(%d)", int(k))
}

// Defaults used when neither Config nor ssh_config sets a value.
const (
	DefaultPort           = 22
	DefaultConnectTimeout = 15 * time.Second
	DefaultKeepAlive      = 15 * time.Second
	DefaultMaxSessions    = 8
)

// Config describes how to reach one host. Zero values fall back to
// ssh_config, then to the defaults above.
type Config struct {
	// Name names the host in errors and warnings; empty means Address.
	Name string
	// Address is the host to reach. It is also the alias looked up in
	// ssh_config, whose HostName may replace it.
	Address string
	// Port is the TCP port.
	Port int
	// User is the login user; empty means ssh_config's User, then the
	// current user.
	User string
	// IdentityFiles are private key files to offer, after the agent's
	// keys. Empty means ssh_config's IdentityFile entries, then
	// ~/.ssh/id_ed25519, id_ecdsa and id_rsa where they exist.
	IdentityFiles []string
	// Password, when set, is offered for password authentication. It is
	// sensitive and never logged.
	Password string
	// KeyPassphrase decrypts encrypted identity files. It is sensitive.
	KeyPassphrase string
	// PassphrasePrompt, when set and KeyPassphrase is empty, is asked for
	// the passphrase of an encrypted key the server would accept.
	PassphrasePrompt func(keyPath string) (string, error)
	// AgentSocket is the ssh-agent socket; empty means $SSH_AUTH_SOCK,
	// and "none" means no agent.
	AgentSocket string
	// KnownHostsFiles are the known_hosts files; empty means ssh_config's
	// UserKnownHostsFile, then ~/.ssh/known_hosts. New keys accepted under
	// AcceptNew are added to the first. /etc/ssh/ssh_known_hosts is read
	// as well.
	KnownHostsFiles []string
	// HostKeyChecking is the host key policy; the zero value is Strict.
	HostKeyChecking HostKeyChecking
	// ConnectTimeout bounds the TCP connection and, separately, the SSH
	// handshake and authentication of each hop.
	ConnectTimeout time.Duration
	// KeepAlive is the interval between keepalive requests; a request not
	// answered within it marks the connection dead. Negative disables
	// keepalives.
	KeepAlive time.Duration
	// MaxSessions bounds the sessions open at once; further commands
	// wait. A sudo command on a host where sudo needs a terminal takes
	// two, so it must be at least two there. Keep it at least two below
	// the server's MaxSessions (10 for OpenSSH), three where sudo needs a
	// terminal: the SFTP client uses one, and ending a cancelled command
	// one (two where sudo needs a terminal). A session the server refuses
	// because it still counts sessions that have just ended is asked for
	// again, for about two seconds.
	MaxSessions int
	// ProxyJump is a comma-separated list of [user@]host[:port] hops to
	// connect through, each looked up in ssh_config; empty means
	// ssh_config's ProxyJump, and "none" means no hop.
	ProxyJump string
	// SSHConfigFile is the user's ssh_config; empty means ~/.ssh/config,
	// and "none" reads no ssh_config file at all. /etc/ssh/ssh_config is
	// read after it unless it is "none".
	SSHConfigFile string
	// Dials, when set, paces the connection set-ups of the hosts that
	// share it: how many run at once, and the retries of those a server
	// refused because it had too many at once (see package dialgate).
	// Nil sets each host's connection up at once, and fails it on such a
	// refusal.
	Dials *dialgate.Gate
	// Mode says how commands reach the host: SessionMode (the default
	// when empty) or PersistentMode.
	Mode Mode
	// Warn, when set, receives warnings meant for the operator, such as
	// a host accepted without checking its key, or one without the SFTP
	// subsystem, whose files then travel over exec sessions. Each is
	// given once per host. ForHost sets it to the engine's
	// HostConfig.Warn, which emits each as an engine.EventHostWarning.
	Warn func(message string)
}

// name returns how the host is named in messages.
func (c *Config) name() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Address
}

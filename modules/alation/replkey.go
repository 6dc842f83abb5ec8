package alation

import (
	"cmp"
	"context"
	"fmt"

	"golang.org/x/crypto/ssh"

	"github.com/runbookhq/runbook/engine"
)

// ReplicationKey makes the replication key pair of the host it runs on,
// the first half of step 2 of the procedure, which each host of the pair
// can do at once: with the version's unjailed_key_exchange script, given
// the other host's address, else with ssh-keygen. key_exchange then copies
// the public keys across.
type ReplicationKey struct {
	Peer        engine.HostRef `hcl:"peer" doc:"The other host of the pair: host.NAME, or its name."`
	PeerAddress string         `hcl:"peer_address,optional" doc:"The other host's address, as this host reaches it: the key exchange script's argument. Default: the peer's address in the inventory."`
}

// ReplicationKeyOutputs are the outputs of replication_key.
type ReplicationKeyOutputs struct {
	PublicKey   string `cty:"public_key" doc:"The public replication key, as authorized_keys holds it."`
	Fingerprint string `cty:"fingerprint" doc:"Its SHA256 fingerprint."`
}

// Validate checks the peer's address.
func (m *ReplicationKey) Validate() error {
	return checkAddress("peer_address", m.peerAddress())
}

// peerAddress returns peer_address, else the peer's address.
func (m *ReplicationKey) peerAddress() string { return cmp.Or(m.PeerAddress, m.Peer.Address) }

// SafeToRepeat reports true: the key pair is created only when its private
// key is missing, and a missing public key is derived from the private
// one.
func (m *ReplicationKey) SafeToRepeat() bool { return true }

// Run creates the key pair unless it exists and reads its public key.
func (m *ReplicationKey) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if err := m.Validate(); err != nil {
		return engine.Result{}, err
	}
	s := &keySide{name: env.HostName, host: env.Host}
	var err error
	if s.in, err = detectInstall(ctx, s.host, ""); err != nil {
		return engine.Result{}, fmt.Errorf("on %s: %w", s.name, err)
	}
	created, err := ensureKeyPair(ctx, s, m.peerAddress())
	if err != nil {
		return engine.Result{}, fmt.Errorf("replication key on %s: %w", s.name, err)
	}
	key, line, err := readPublicKey(ctx, s)
	if err != nil {
		return engine.Result{Changed: created}, fmt.Errorf("replication key on %s: %w", s.name, err)
	}
	return engine.Result{Changed: created, Outputs: ReplicationKeyOutputs{PublicKey: line, Fingerprint: ssh.FingerprintSHA256(key)}}, nil
}

// Describe says what the task does.
func (m *ReplicationKey) Describe() string {
	return fmt.Sprintf("make the replication key pair (%s) for the pair with %s", keyInJail, m.Peer)
}

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "replication_key",
		Doc: "Makes the replication_rsa key pair of one host of an Alation pair, unless it exists: with the version's unjailed_key_exchange script, given the other host's address " +
			"(each question it asks answered with an empty line), else with ssh-keygen; the private key must open without a passphrase. Run it on both hosts at once, then key_exchange.",
		New:     func() engine.Module { return &ReplicationKey{} },
		Outputs: ReplicationKeyOutputs{},
	})
}

var (
	_ engine.Module     = (*ReplicationKey)(nil)
	_ engine.Validator  = (*ReplicationKey)(nil)
	_ engine.Describer  = (*ReplicationKey)(nil)
	_ engine.Repeatable = (*ReplicationKey)(nil)
)

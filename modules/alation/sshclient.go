package alation

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/runbookhq/runbook/engine"
)

// sshKnowsSince gives, for host key types that not every OpenSSH of the
// era knows, the first version whose ssh does (release notes: ECDSA in
// 5.7, ed25519 in 6.5, security keys in 8.2). RSA and DSA keys every
// version knows.
var sshKnowsSince = map[string][2]int{
	ssh.KeyAlgoECDSA256:   {5, 7},
	ssh.KeyAlgoECDSA384:   {5, 7},
	ssh.KeyAlgoECDSA521:   {5, 7},
	ssh.KeyAlgoED25519:    {6, 5},
	ssh.KeyAlgoSKECDSA256: {8, 2},
	ssh.KeyAlgoSKED25519:  {8, 2},
}

// opensshVersion finds the version in what ssh -V prints.
var opensshVersion = regexp.MustCompile(`OpenSSH_(\d+)\.(\d+)`)

// sshKnows reports whether the ssh that printed version (ssh -V's
// output) knows host keys of keyType. An ssh that does not say it is
// OpenSSH, or of which version, is given the benefit of the doubt.
func sshKnows(version, keyType string) bool {
	since, ok := sshKnowsSince[keyType]
	m := opensshVersion.FindStringSubmatch(version)
	if !ok || m == nil {
		return true
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return major > since[0] || major == since[0] && minor >= since[1]
}

// peerKeyFacts reads the version of ssh in the Alation shell of the
// task's host, which replication uses, and the type of the host key of
// peer that runbook verified, which step 3 writes into known_hosts, and
// says whether that ssh can check such a key. A peer whose key runbook
// did not verify is an error: step 3 could not trust it.
func peerKeyFacts(ctx context.Context, env *engine.Env, peer engine.HostRef, out *FactsOutputs) error {
	res, err := runInShell(ctx, env.Host, "ssh -V 2>&1")
	text, err := mustOK(res, err, "ssh -V in the Alation shell")
	if err != nil {
		return fmt.Errorf("on %s: %w", env.HostName, err)
	}
	out.SSHVersion = strings.TrimSpace(strings.SplitN(strings.TrimSpace(text), ",", 2)[0])
	h, err := env.Peer(peer)
	if err != nil {
		return fmt.Errorf("reach the peer %s: %w", peer, err)
	}
	key, err := verifiedHostKey(ctx, &keySide{name: peer.Name, host: h})
	if err != nil {
		return err
	}
	out.PeerHostKeyType = key.Type()
	out.SSHKnowsPeerKey = sshKnows(out.SSHVersion, key.Type())
	return nil
}

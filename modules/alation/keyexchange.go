package alation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// KeyExchange sets up passwordless SSH between the two hosts of the pair
// with the replication_rsa keys (step 2 of the procedure), copying each
// public key to the other host as the procedure asks the operator to, and
// proves it works from each host to the other (step 3): from the Alation
// shell, as its user, checking each host's key against the one runbook
// verified, which it writes into that user's known_hosts first.
type KeyExchange struct {
	Peer        engine.HostRef `hcl:"peer" doc:"The other host of the pair: host.NAME, or its name."`
	PeerAddress string         `hcl:"peer_address,optional" doc:"The other host's address, as this host reaches it (the key exchange script's argument here, the SSH target of the check). Default: the peer's address in the inventory."`
	SelfAddress string         `hcl:"self_address" doc:"This host's address, as the other host reaches it."`
	SSHUser     string         `hcl:"ssh_user,optional" doc:"The user Alation logs in as between the hosts. Default \"alationadmin\"."`
	SSHPort     int            `hcl:"ssh_port,optional" doc:"The SSH port of both hosts. Default 22."`
}

// KeyExchangeOutputs are the outputs of key_exchange.
type KeyExchangeOutputs struct {
	SelfFingerprint string `cty:"self_fingerprint" doc:"The SHA256 fingerprint of this host's replication key."`
	PeerFingerprint string `cty:"peer_fingerprint" doc:"The SHA256 fingerprint of the other host's replication key."`
}

// ErrShellNotClean is wrapped by the error of key_exchange when a login
// prints something even after .hushlogin.
var ErrShellNotClean = errors.New("shell not clean")

// Validate checks the user name, the port and the addresses.
func (m *KeyExchange) Validate() error {
	if m.SSHUser == "" || strings.Trim(m.SSHUser, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "" || strings.HasPrefix(m.SSHUser, "-") {
		return engine.ArgErrorf("ssh_user", "%q is not a user name", m.SSHUser)
	}
	if m.SSHPort < 1 || m.SSHPort > 65535 {
		return engine.ArgErrorf("ssh_port", "%d is not a port", m.SSHPort)
	}
	if err := checkAddress("peer_address", m.peerAddress()); err != nil {
		return err
	}
	return checkAddress("self_address", m.SelfAddress)
}

// peerAddress returns the peer's address as this host reaches it:
// peer_address, else the peer's address.
func (m *KeyExchange) peerAddress() string { return cmp.Or(m.PeerAddress, m.Peer.Address) }

// knownHostsNames returns the known_hosts names of the addresses, on the
// SSH port, each once, the empty ones left out.
func (m *KeyExchange) knownHostsNames(addresses ...string) []string {
	var names []string
	for _, a := range addresses {
		if n := knownHostsName(a, m.SSHPort); a != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// SafeToRepeat reports true: every change the task makes is made only
// when a check of the host, made in the same run, finds it missing. A key
// pair is created only when the private key is missing (and a missing
// public key is derived from the private one); a public key is added to
// authorized_keys only when absent (duplicates are removed); a host key
// line is added to known_hosts only for a name that lacks that key; modes
// and owners are set only when they differ; .hushlogin is touched by the very
// login that verifies SSH. Once the keys exist, a second run after a
// cut-off one finds them and only completes what is missing; a private
// key left damaged by the cut-off makes it fail, saying so, without
// changing anything.
func (m *KeyExchange) SafeToRepeat() bool { return true }

// keySide is one host of the exchange.
type keySide struct {
	name    string         // inventory name
	host    transport.Host // its transport
	address string         // its address, as the other host reaches it
	names   []string       // its known_hosts names on the other host
	in      install
	hostKey ssh.PublicKey // as runbook verified it
}

// Run exchanges the keys and verifies SSH both ways.
func (m *KeyExchange) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	if err := m.Validate(); err != nil {
		return engine.Result{}, err
	}
	peer, err := env.Peer(m.Peer)
	if err != nil {
		return engine.Result{}, fmt.Errorf("reach the peer %s: %w", m.Peer, err)
	}
	sides := [2]*keySide{
		{name: env.HostName, host: env.Host, address: m.SelfAddress, names: m.knownHostsNames(m.SelfAddress)},
		{name: m.Peer.Name, host: peer, address: m.peerAddress(), names: m.knownHostsNames(m.peerAddress(), m.Peer.Address)},
	}
	for _, s := range sides {
		if s.hostKey, err = verifiedHostKey(ctx, s); err != nil {
			return engine.Result{}, err
		}
	}
	changed := false
	var keys [2]ssh.PublicKey
	var lines [2]string
	for i, s := range sides {
		if s.in, err = detectInstall(ctx, s.host, ""); err != nil {
			return engine.Result{}, fmt.Errorf("on %s: %w", s.name, err)
		}
		created, err := ensureKeyPair(ctx, s, sides[1-i].address)
		if err != nil {
			return engine.Result{}, fmt.Errorf("replication key on %s: %w", s.name, err)
		}
		if created {
			env.Progressf("created the replication key pair on %s", s.name)
		}
		changed = changed || created
		if keys[i], lines[i], err = readPublicKey(ctx, s); err != nil {
			return engine.Result{Changed: changed}, fmt.Errorf("replication key on %s: %w", s.name, err)
		}
	}
	for i, s := range sides {
		to := sides[1-i]
		added, err := authorizeKey(ctx, to.host, m.SSHUser, lines[i])
		if err != nil {
			return engine.Result{Changed: changed}, fmt.Errorf("authorize the key of %s for %s on %s: %w", s.name, m.SSHUser, to.name, err)
		}
		if added {
			env.Progressf("authorized the replication key of %s for %s on %s", s.name, m.SSHUser, to.name)
		}
		changed = changed || added
	}
	for i, s := range sides {
		to := sides[1-i]
		trusted, err := trustPeer(ctx, s, to)
		if err != nil {
			return engine.Result{Changed: changed}, fmt.Errorf("trust the host key of %s on %s: %w", to.name, s.name, err)
		}
		if trusted {
			env.Progressf("%s's Alation shell user now trusts the %s host key %s of %s, as runbook verified it", s.name, to.hostKey.Type(), ssh.FingerprintSHA256(to.hostKey), to.name)
		}
		hushed, err := m.verifySSH(ctx, s, to)
		if err != nil {
			return engine.Result{Changed: changed || trusted}, err
		}
		changed = changed || trusted || hushed
	}
	out := KeyExchangeOutputs{SelfFingerprint: ssh.FingerprintSHA256(keys[0]), PeerFingerprint: ssh.FingerprintSHA256(keys[1])}
	return engine.Result{Changed: changed, Outputs: out}, nil
}

// ensureKeyScript makes sure the replication key pair exists: with the
// version's key exchange script when it is there (python, else python3),
// else with ssh-keygen. It prints createdMarker when it made anything.
// The script may ask questions, as scripts of its era do: each is
// answered with an empty line, the safe answer to every one of them (no
// passphrase, no overwrite, carry on), and it may run for at most
// keyScriptTimeout seconds where coreutils' timeout exists. Either way the
// private key must then open without a passphrase, as replication, which
// nobody attends, needs.
const ensureKeyScript = `
if [ ! -f "$key" ]; then
	if [ -f "$script" ]; then
		py=$(command -v python || command -v python3) || { echo "found neither python nor python3 to run $script" >&2; exit 1; }
		bound=$(command -v timeout) && bound="$bound ` + keyScriptTimeout + `"
		printf '\n\n\n\n\n\n\n\n' | $bound "$py" "$script" "$peer" >&2
		st=$?
		[ $st -ne 124 ] || echo "$script did not end within ` + keyScriptTimeout + ` s" >&2
		[ $st -eq 0 ] || exit 1
	else
		dir=$(dirname "$key")
		mkdir -p "$dir" && chmod 700 "$dir" || exit 1
		ssh-keygen -q -t rsa -b 4096 -N '' -C replication -f "$key" </dev/null >&2 || exit 1
		chown --reference="$(dirname "$dir")" "$dir" "$key" "$key.pub" || exit 1
	fi
	[ -f "$key" ] && [ -f "$key.pub" ] || { echo "$key or $key.pub still missing" >&2; exit 1; }
	echo ` + createdMarker + `
elif [ ! -f "$key.pub" ]; then
	ssh-keygen -y -P '' -f "$key" </dev/null > "$key.pub" || exit 1
	echo ` + createdMarker + `
fi
ssh-keygen -y -P '' -f "$key" </dev/null >/dev/null 2>&1 || { echo "$key has a passphrase, or is damaged: replication logs in unattended and needs a key without one (ssh-keygen -p -f $key removes it)" >&2; exit 1; }`

// keyScriptTimeout bounds the key exchange script, in seconds.
const keyScriptTimeout = "300"

// createdMarker is the line the scripts of this file print for each thing
// they changed.
const createdMarker = "__runbook_changed__"

// ensureKeyPair creates the replication key pair of s unless it exists,
// passing peerAddress to the key exchange script, and reports whether it
// created anything.
func ensureKeyPair(ctx context.Context, s *keySide, peerAddress string) (bool, error) {
	script := assign("key", s.in.replicationKey(), "script", s.in.keyExchangeScript(), "peer", peerAddress) + ensureKeyScript
	res, err := runRoot(ctx, s.host, script)
	out, err := mustOK(res, err, "create the key pair")
	if err != nil {
		return false, fmt.Errorf("%w; %s", err, keyAdvice(res, s, peerAddress))
	}
	return strings.Contains(out, createdMarker), nil
}

// keyPrompt matches what a key script prints when it asks something.
var keyPrompt = regexp.MustCompile(`(?i)\(y/n\)|passphrase|press enter|EOFError|did not end within`)

// keyAdvice says how to make the replication key of s by hand after the
// script failed, by what it printed.
func keyAdvice(res transport.Result, s *keySide, peerAddress string) string {
	by := fmt.Sprintf("sudo python %s %s", s.in.keyExchangeScript(), peerAddress)
	if keyPrompt.Match(res.Stdout) || keyPrompt.Match(res.Stderr) {
		return fmt.Sprintf("the key exchange script on %s asked a question that runbook answers with an empty line (no passphrase, no overwrite, carry on), and that answer did not do: run %s there by hand, answer it so that %s has no passphrase, then run the playbook again",
			s.name, by, keyInJail)
	}
	return fmt.Sprintf("make the key on %s by hand (%s) and run the playbook again", s.name, by)
}

// readPublicKey reads and parses the public replication key of s.
func readPublicKey(ctx context.Context, s *keySide) (ssh.PublicKey, string, error) {
	pubPath := s.in.replicationKey() + ".pub"
	res, err := runRoot(ctx, s.host, "cat "+shellquote.Quote(pubPath))
	out, err := mustOK(res, err, "read "+pubPath)
	if err != nil {
		return nil, "", err
	}
	key, line, err := parsePublicKey(out)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", pubPath, err)
	}
	return key, line, nil
}

// parsePublicKey parses an OpenSSH public key file and returns the key and
// its line as authorized_keys holds it.
func parsePublicKey(text string) (ssh.PublicKey, string, error) {
	key, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return nil, "", fmt.Errorf("not an OpenSSH public key: %w", err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
	if comment != "" {
		line += " " + comment
	}
	return key, line, nil
}

// authorizeScript gives $user a key in ~/.ssh/authorized_keys, once, with
// the ownership and modes sshd's StrictModes wants. It prints
// createdMarker for each thing it changed. $home, when set, stands for the
// user's home directory.
const authorizeScript = `
home=${home:-$(getent passwd "$user" | cut -d: -f6)}
[ -n "$home" ] && [ -d "$home" ] || { echo "no user $user with a home directory" >&2; exit 1; }
group=$(id -gn "$user") || exit 1
changed() { echo ` + createdMarker + `; }
if [ -n "$(find "$home" -maxdepth 0 -perm /022)" ]; then chmod go-w "$home" || exit 1; changed; fi
if [ ! -d "$home/.ssh" ]; then mkdir "$home/.ssh" || exit 1; changed; fi
ak="$home/.ssh/authorized_keys"
if [ ! -f "$ak" ]; then : > "$ak" || exit 1; changed; fi
for f in "$home/.ssh:700" "$ak:600"; do
	p=${f%:*} mode=${f##*:}
	[ "$(stat -c %a "$p")" = "$mode" ] || { chmod "$mode" "$p" || exit 1; changed; }
	[ "$(stat -c %U:%G "$p")" = "$user:$group" ] || { chown "$user:$group" "$p" || exit 1; changed; }
done
blob=$(printf '%s\n' "$key" | awk '{print $2}')
n=$(awk -v b="$blob" '{for (i = 1; i <= NF; i++) if ($i == b) { n++; break }} END {print n + 0}' "$ak")
if [ "$n" -gt 1 ]; then
	awk -v b="$blob" '{m = 0; for (i = 1; i <= NF; i++) if ($i == b) m = 1} !m || !seen++' "$ak" > "$ak.runbook" &&
		cat "$ak.runbook" > "$ak" && rm -f "$ak.runbook" || exit 1
	changed
fi
if [ "$n" -eq 0 ]; then
	if [ -s "$ak" ] && [ -n "$(tail -c 1 "$ak")" ]; then echo >> "$ak"; fi
	printf '%s\n' "$key" >> "$ak" || exit 1
	changed
fi`

// authorizeKey installs key for user on h and reports whether anything
// changed.
func authorizeKey(ctx context.Context, h transport.Host, user, key string) (bool, error) {
	res, err := runRoot(ctx, h, assign("user", user, "key", key)+authorizeScript)
	out, err := mustOK(res, err, "update authorized_keys")
	return strings.Contains(out, createdMarker), err
}

// hushScript touches nothing: it prints createdMarker when $user has no
// ~/.hushlogin yet.
const hushScript = `home=$(getent passwd "$user" | cut -d: -f6)
[ -e "$home/.hushlogin" ] || echo ` + createdMarker

// verifySSH logs in from one host to the other as the procedure's step 3
// does: from the Alation shell, as the user it runs as, with the
// replication key and that user's known_hosts, which must already trust
// the other host (see trustPeer); touches .hushlogin there; and checks
// that a second login prints nothing. It reports whether .hushlogin was
// new.
func (m *KeyExchange) verifySSH(ctx context.Context, from, to *keySide) (bool, error) {
	res, err := runRoot(ctx, to.host, assign("user", m.SSHUser)+hushScript)
	out, err := mustOK(res, err, "look for .hushlogin of "+m.SSHUser)
	if err != nil {
		return false, fmt.Errorf("on %s: %w", to.name, err)
	}
	hushNew := strings.Contains(out, createdMarker)
	login := m.sshCommand(to.address)
	res, err = runInShell(ctx, from.host, login+" touch .hushlogin 2>&1")
	if _, err := mustOK(res, err, "ssh"); err != nil {
		return false, fmt.Errorf("ssh from the Alation shell of %s to %s as %s with %s failed: %w; %s",
			from.name, to.address, m.SSHUser, keyInJail, err, m.sshAdvice(res, from, to))
	}
	res, err = runInShell(ctx, from.host, login+" true 2>&1")
	text, err := mustOK(res, err, "ssh")
	if err != nil {
		return hushNew, fmt.Errorf("second ssh from the Alation shell of %s to %s: %w", from.name, to.address, err)
	}
	if strings.TrimSpace(text) != "" {
		return hushNew, fmt.Errorf("%w: ssh from %s to %s@%s prints %q even with ~/.hushlogin; remove the output of %s's shell start-up files (~/.bashrc, ~/.profile, /etc/profile.d) on %s so that replication can use ssh and rsync",
			ErrShellNotClean, from.name, m.SSHUser, to.address, strings.TrimSpace(text), m.SSHUser, to.name)
	}
	return hushNew, nil
}

// sshAdvice says how to fix a failed login from the Alation shell of
// from to to, by what ssh said.
func (m *KeyExchange) sshAdvice(res transport.Result, from, to *keySide) string {
	said := string(res.Stdout) + string(res.Stderr)
	switch {
	case strings.Contains(said, "Host key verification failed"):
		return fmt.Sprintf("%s's known_hosts (%s) holds the %s host key of %s that runbook verified, and %s presented another: "+
			"if ssh on %s does not know %s keys (OpenSSH before 6.5 has no ed25519, before 5.7 no ECDSA), add the RSA host key of %s to the control node's known_hosts, check its fingerprint, and run again",
			from.name, knownHostsFile, to.hostKey.Type(), to.name, to.address, from.name, to.hostKey.Type(), to.name)
	case strings.Contains(said, "Permission denied") || strings.Contains(said, "Load key"):
		return fmt.Sprintf("check that the Alation shell's user on %s can read %s (its owner, mode 600) and that sshd on %s accepts that key for %s", from.name, keyInJail, to.name, m.SSHUser)
	}
	return fmt.Sprintf("check that sshd on %s accepts keys for %s and that port %d is open", to.name, m.SSHUser, m.SSHPort)
}

// knownHostsFile is the known_hosts of the Alation shell's user, beside the
// replication key, as the shell sees it.
var knownHostsFile = path.Join(path.Dir(keyInJail), "known_hosts")

// sshCommand returns the ssh command line, without the remote command,
// that logs in from the Alation shell to address as the SSH user with the
// replication key, checking the host key strictly against knownHostsFile.
// It reads no standard input (-n), which is the shell's list of commands.
// Every option is one OpenSSH 5.3 knows.
func (m *KeyExchange) sshCommand(address string) string {
	return strings.Join([]string{
		"ssh", "-n", "-i", keyInJail, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHostsFile,
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-p", strconv.Itoa(m.SSHPort), "-l", shellquote.Quote(m.SSHUser), shellquote.Quote(address),
	}, " ")
}

// Describe says what the task does.
func (m *KeyExchange) Describe() string {
	return fmt.Sprintf("exchange the replication keys (%s) with %s for %s and verify ssh both ways", keyInJail, m.Peer, m.SSHUser)
}

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "key_exchange",
		Doc: "Sets up passwordless SSH between the two hosts of an Alation pair: makes the replication_rsa key pair on each unless it exists (as replication_key does), " +
			"authorizes each public key for the SSH user on the other host with the modes sshd requires, writes each host's key, as runbook's own connection verified it, into the other's known_hosts for the Alation shell's user, " +
			"then logs in from each host's Alation shell to the other with that key and StrictHostKeyChecking=yes, touches .hushlogin and checks the login prints nothing.",
		New:     func() engine.Module { return &KeyExchange{SSHUser: "alationadmin", SSHPort: 22} },
		Outputs: KeyExchangeOutputs{},
	})
}

var (
	_ engine.Module     = (*KeyExchange)(nil)
	_ engine.Validator  = (*KeyExchange)(nil)
	_ engine.Describer  = (*KeyExchange)(nil)
	_ engine.Repeatable = (*KeyExchange)(nil)
)

package sshtransport

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
	"golang.org/x/sys/unix"
)

// globalKnownHosts is read, never written, after the user's files.
const globalKnownHosts = "/etc/ssh/ssh_known_hosts"

// hostKeyChecker checks the keys one endpoint presents.
type hostKeyChecker struct {
	e      endpoint
	policy HostKeyChecking
	warn   func(string) // called at most once, for Off
	known  ssh.HostKeyCallback
	// accepted is the key check accepted after verifying it (known, or
	// recorded under AcceptNew); nil under Off.
	accepted ssh.PublicKey
}

// knownHostsFiles holds the parsed known_hosts files, read again when
// they change, so that keys accepted earlier are known.
var knownHostsFiles fileCache[ssh.HostKeyCallback]

// newHostKeyChecker reads the endpoint's known_hosts files.
func newHostKeyChecker(e endpoint, policy HostKeyChecking, warn func(string)) (*hostKeyChecker, error) {
	var files []string
	for _, f := range append(slices.Clone(e.knownHosts), globalKnownHosts) {
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		}
	}
	c := &hostKeyChecker{e: e, policy: policy, warn: warn}
	if len(files) > 0 {
		known, err := knownHostsFiles.load(files, func() (ssh.HostKeyCallback, error) { return knownhosts.New(files...) })
		if err != nil {
			return nil, fmt.Errorf("read known_hosts: %w", err)
		}
		c.known = known
	}
	return c, nil
}

// algorithms returns the host key algorithms of the keys known for the
// endpoint, so that the server presents one of those; nil when none is
// known.
func (c *hostKeyChecker) algorithms() []string {
	var keyErr *knownhosts.KeyError
	if c.known == nil || !errors.As(c.known(c.e.addr(), fakeAddr(c.e), probeKey{}), &keyErr) {
		return nil
	}
	var algos []string
	for _, k := range keyErr.Want {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			algos = append(algos, t)
		}
	}
	return algos
}

// check is the ssh.HostKeyCallback.
func (c *hostKeyChecker) check(hostname string, remote net.Addr, key ssh.PublicKey) error {
	if c.policy == Off {
		if c.warn != nil {
			c.warn(fmt.Sprintf("host key checking is OFF for %s: accepting %s key %s without verification",
				c.e.alias, key.Type(), ssh.FingerprintSHA256(key)))
		}
		return nil
	}
	err := errUnknownKey
	if c.known != nil {
		err = c.known(hostname, remote, key)
	}
	var keyErr *knownhosts.KeyError
	switch {
	case err == nil:
		c.accepted = key
		return nil
	case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
		return c.changed(key, keyErr.Want)
	case !errors.As(err, &keyErr) && !errors.Is(err, errUnknownKey):
		return err
	case c.policy == AcceptNew:
		if err := c.remember(hostname, remote, key); err != nil {
			return err
		}
		c.accepted = key
		return nil
	}
	return fmt.Errorf("host key verification failed: %s presented %s key %s, which is not in %s",
		c.e.addr(), key.Type(), ssh.FingerprintSHA256(key), strings.Join(c.e.knownHosts, ", "))
}

// changed describes a key that differs from the known ones.
func (c *hostKeyChecker) changed(key ssh.PublicKey, want []knownhosts.KnownKey) error {
	known := make([]string, len(want))
	for i, k := range want {
		known[i] = fmt.Sprintf("%s %s (%s:%d)", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line)
	}
	return fmt.Errorf("HOST KEY CHANGED for %s: it presented %s key %s but known_hosts has %s; "+
		"this may be an attack; if the host was reinstalled, remove the old line", c.e.addr(),
		key.Type(), ssh.FingerprintSHA256(key), strings.Join(known, ", "))
}

// remember appends key to the first known_hosts file, creating it (and
// its directory) when needed. It holds an exclusive lock (flock) on the
// file meanwhile, and under the lock reads the file again: runs that
// dial the same new host at once then record its key once, and one that
// finds another key recorded meanwhile fails as for a changed key. The
// new entry starts on a line of its own even when the file does not end
// with a newline.
func (c *hostKeyChecker) remember(hostname string, remote net.Addr, key ssh.PublicKey) error {
	name := knownhosts.Normalize(c.e.addr())
	if c.e.hashKnownHosts {
		name = knownhosts.HashHostname(name)
	}
	file := c.e.knownHosts[0]
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	defer f.Close() // also releases the lock
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("record host key: lock %s: %w", file, err)
	}
	known, err := knownhosts.New(file)
	if err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	var keyErr *knownhosts.KeyError
	switch err := known(hostname, remote, key); {
	case err == nil:
		return nil
	case errors.As(err, &keyErr) && len(keyErr.Want) > 0:
		return c.changed(key, keyErr.Want)
	}
	line := knownhosts.Line([]string{name}, key) + "\n"
	whole, err := endsLine(f)
	if err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	if !whole {
		line = "\n" + line
	}
	if _, err := f.WriteString(line); err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("record host key: %w", err)
	}
	return nil
}

// endsLine reports whether f is empty or ends with a newline.
func endsLine(f *os.File) (bool, error) {
	info, err := f.Stat()
	if err != nil || info.Size() == 0 {
		return err == nil, err
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, info.Size()-1); err != nil {
		return false, err
	}
	return b[0] == '\n', nil
}

// errUnknownKey stands for "no known_hosts file has this host".
var errUnknownKey = errors.New("host not in known_hosts")

// fakeAddr is the remote address given to known_hosts lookups made
// before connecting.
func fakeAddr(e endpoint) net.Addr {
	return &net.TCPAddr{IP: net.ParseIP(e.host), Port: e.port}
}

// probeKey is a key no host has, used to learn which keys are known.
type probeKey struct{}

func (probeKey) Type() string                        { return "runbook-probe" }
func (probeKey) Marshal() []byte                     { return []byte("runbook-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe key cannot verify") }

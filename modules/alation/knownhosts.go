package alation

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// knownHostsName is how known_hosts names a host reached at addr and port:
// addr alone on port 22, [addr]:port on any other.
func knownHostsName(addr string, port int) string {
	return knownhosts.Normalize(net.JoinHostPort(addr, strconv.Itoa(port)))
}

// knownHostsTrusts reports whether the known_hosts text content trusts key
// for name: a line that is not a marker line (@cert-authority, @revoked)
// names name, plainly or hashed, with key. revoked reports a @revoked line
// for key, which makes OpenSSH refuse it whatever else the file says.
// Lines OpenSSH would skip (comments, unknown key types, garbage) are
// skipped; patterns with wildcards are not matched, so a host they cover
// gets a line of its own.
func knownHostsTrusts(content []byte, name string, key ssh.PublicKey) (trusted, revoked bool) {
	want := key.Marshal()
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		marker, hosts, k, _, _, err := ssh.ParseKnownHosts(sc.Bytes())
		if err != nil || !bytes.Equal(k.Marshal(), want) {
			continue
		}
		switch {
		case marker == "revoked":
			revoked = true
		case marker == "" && namesHost(hosts, name):
			trusted = true
		}
	}
	return trusted, revoked
}

// knownHostsHashed reports whether content holds a hashed entry, as a
// file does that ssh keeps with HashKnownHosts.
func knownHostsHashed(content []byte) bool {
	for line := range strings.Lines(string(content)) {
		if strings.HasPrefix(strings.TrimSpace(line), hashedPrefix) {
			return true
		}
	}
	return false
}

// hashedPrefix starts a hashed known_hosts name.
const hashedPrefix = "|1|"

// namesHost reports whether a known_hosts host list names name: a hashed
// entry whose hash is name's, or a plain one equal to it (case
// insensitively, as OpenSSH lowers host names), not negated.
func namesHost(hosts []string, name string) bool {
	name = strings.ToLower(name)
	found := false
	for _, h := range hosts {
		negated := strings.HasPrefix(h, "!")
		h = strings.TrimPrefix(h, "!")
		if hashedNames(h, name) || strings.ToLower(h) == name {
			if negated {
				return false
			}
			found = true
		}
	}
	return found
}

// hashedNames reports whether entry, a hashed known_hosts name
// |1|SALT|HASH, is the hash of name.
func hashedNames(entry, name string) bool {
	parts := strings.Split(entry, "|")
	if !strings.HasPrefix(entry, hashedPrefix) || len(parts) != 4 {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(parts[2])
	sum, err2 := base64.StdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return false
	}
	mac := hmac.New(sha1.New, salt)
	mac.Write([]byte(name))
	return hmac.Equal(mac.Sum(nil), sum)
}

// hashesKnownHosts reports whether an ssh_config text sets HashKnownHosts
// yes, taking the first value given, as ssh does (Host and Match blocks
// are not told apart).
func hashesKnownHosts(config []byte) bool {
	for line := range strings.Lines(string(config)) {
		f := strings.Fields(strings.Replace(line, "=", " ", 1))
		if len(f) >= 2 && strings.EqualFold(f[0], "HashKnownHosts") {
			return strings.EqualFold(f[1], "yes")
		}
	}
	return false
}

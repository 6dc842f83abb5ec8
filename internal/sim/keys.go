package sim

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// generateKey writes a key pair of type keyType (ssh-keygen's -t: ed25519,
// rsa) without passphrase at path and path.pub and returns the public key
// line.
func generateKey(path, keyType, comment string) (string, error) {
	out, err := exec.Command("ssh-keygen", "-q", "-t", keyType, "-N", "", "-C", comment, "-f", path).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ssh-keygen %s: %w: %s", path, err, strings.TrimSpace(string(out)))
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		return "", fmt.Errorf("read %s.pub: %w", path, err)
	}
	return strings.TrimSpace(string(pub)), nil
}

// knownHostsLine is the known_hosts entry of a host key served on
// addr:port.
func knownHostsLine(addr string, port int, pub string) string {
	name := addr
	if port != 22 {
		name = "[" + addr + "]:" + strconv.Itoa(port)
	}
	fields := strings.Fields(pub)
	if len(fields) >= 2 {
		pub = fields[0] + " " + fields[1]
	}
	return name + " " + pub + "\n"
}

// hostPort joins addr and port.
func hostPort(addr string, port int) string { return net.JoinHostPort(addr, strconv.Itoa(port)) }

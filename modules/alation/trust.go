package alation

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/engine/transport"
)

// verifiedHostKey returns the host key of s that runbook's own connection
// to it verified against the control node's known_hosts: the key the
// other host is told to trust, never one s merely claims.
func verifiedHostKey(ctx context.Context, s *keySide) (ssh.PublicKey, error) {
	k, ok := s.host.(transport.HostKeyer)
	var wire []byte
	err := transport.ErrHostKeyUnverified
	if ok {
		wire, err = k.HostKey(ctx)
	}
	if errors.Is(err, transport.ErrHostKeyUnverified) {
		return nil, fmt.Errorf("runbook did not verify the host key of %s (%w), so it cannot tell the other host to trust it: run with host key checking on (--host-key-checking strict, the default, or accept-new)", s.name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("host key of %s: %w", s.name, err)
	}
	key, err := ssh.ParsePublicKey(wire)
	if err != nil {
		return nil, fmt.Errorf("host key of %s: %w", s.name, err)
	}
	return key, nil
}

// Section markers of trustStateLines' output.
const (
	sectionUser   = "__runbook_user__"
	sectionModes  = "__runbook_modes__"
	sectionKnown  = "__runbook_known_hosts__"
	sectionConfig = "__runbook_ssh_config__"
)

// trustStateLines are the Alation shell commands that print, each after its
// section marker, the shell's user, the mode and owner of the replication
// key's directory and of knownHostsFile, that file, and the user's and the
// system's ssh_config.
var trustStateLines = []string{
	"echo " + sectionUser, "id -un",
	"echo " + sectionModes, "stat -c '%a %U' " + path.Dir(keyInJail) + " " + knownHostsFile + " 2>/dev/null",
	"echo " + sectionKnown, "cat " + knownHostsFile + " 2>/dev/null",
	"echo " + sectionConfig, "cat ~/.ssh/config /etc/ssh/ssh_config 2>/dev/null; true",
}

// sections splits output at the marker lines of trustStateLines.
func sections(output string) map[string]string {
	out := map[string]string{}
	cur := ""
	for line := range strings.Lines(output) {
		switch m := strings.TrimSpace(line); m {
		case sectionUser, sectionModes, sectionKnown, sectionConfig:
			cur = m
			out[cur] += ""
		default:
			out[cur] += line
		}
	}
	return out
}

// trustPeer makes the Alation shell's user on from trust the host key of
// to, as runbook verified it, under every name replication may reach to
// by: it appends the missing known_hosts lines to knownHostsFile, hashed
// when the file or ssh_config hashes them, and gives that directory mode
// 700 and the file no write bits for group and others. It writes as that
// user, from the shell, so that nothing in the user's ~/.ssh belongs to
// root; a directory or file there that another user owns stops it, saying
// how to fix it. It reports whether it changed anything.
func trustPeer(ctx context.Context, from, to *keySide) (bool, error) {
	res, err := runInShell(ctx, from.host, trustStateLines...)
	out, err := mustOK(res, err, "read the known_hosts of the Alation shell's user")
	if err != nil {
		return false, err
	}
	sec := sections(out)
	user := strings.TrimSpace(sec[sectionUser])
	modes := strings.Fields(sec[sectionModes])
	if user == "" || len(modes) < 2 {
		return false, fmt.Errorf("the Alation shell shows no user or no %s (replication key missing?): %q", path.Dir(keyInJail), strings.TrimSpace(out))
	}
	var todo []string
	files := []string{path.Dir(keyInJail), knownHostsFile}
	for i, p := range files[:min(len(modes)/2, len(files))] {
		mode, err := strconv.ParseUint(modes[2*i], 8, 32)
		if owner := modes[2*i+1]; owner != user || err != nil {
			return false, fmt.Errorf("%s belongs to %s, not to %s, the user the Alation shell runs as, so ssh as %s cannot use it; run chown %s on it (outside the shell: under the Alation directory) and run again",
				p, owner, user, user, user)
		}
		if i == 0 && mode&0o777 != 0o700 {
			todo = append(todo, "chmod 700 "+p)
		}
		if i == 1 && mode&0o022 != 0 {
			todo = append(todo, "chmod go-w "+p)
		}
	}
	known := []byte(sec[sectionKnown])
	hashed := knownHostsHashed(known) || hashesKnownHosts([]byte(sec[sectionConfig]))
	var lines []string
	for _, name := range to.names {
		trusted, revoked := knownHostsTrusts(known, name, to.hostKey)
		if revoked {
			return false, fmt.Errorf("%s marks the host key of %s (%s) @revoked; remove that line if the key is good", knownHostsFile, to.name, ssh.FingerprintSHA256(to.hostKey))
		}
		if !trusted {
			if hashed {
				name = knownhosts.HashHostname(name)
			}
			lines = append(lines, shellquote.Quote(knownhosts.Line([]string{name}, to.hostKey)))
		}
	}
	if len(lines) > 0 {
		todo = append(todo, "umask 077")
		if len(known) > 0 && known[len(known)-1] != '\n' {
			todo = append(todo, "echo >> "+knownHostsFile)
		}
		todo = append(todo, `printf '%s\n' `+strings.Join(lines, " ")+" >> "+knownHostsFile)
	}
	if len(todo) == 0 {
		return false, nil
	}
	res, err = runInShell(ctx, from.host, strings.Join(todo, " && "))
	if _, err := mustOK(res, err, "update "+knownHostsFile); err != nil {
		return false, err
	}
	return true, nil
}

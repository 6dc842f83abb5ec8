package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// realSSH is the machine's OpenSSH client, which the host's old client
// runs once it has accepted the options.
const realSSH = "/usr/bin/ssh"

// sshArgOptions are the letters of ssh's options that take an argument
// (OpenSSH 7.4's getopt string, ssh.c).
const sshArgOptions = "bcDEeFIiJLlmOopQRSWw"

// oldSSH implements the ssh client the host finds first on PATH when it
// plays an OpenSSH older than the machine's (Config.SSHClient): it refuses
// a StrictHostKeyChecking value that version does not know, with that
// version's words and exit status 255 (readconf.c: 7.4's multistate
// parser, 5.3's yes/no/ask parser; accept-new came in 7.6), and runs the
// machine's client otherwise, for 5.3 limited to RSA host keys.
func (h *host) oldSSH(args []string) error {
	if len(args) == 1 && args[0] == "-V" {
		return &exitError{code: 0, msg: sshVersions[h.cfg.SSHClient]}
	}
	for _, opt := range sshOptions(args) {
		key, value, _ := strings.Cut(strings.Replace(opt, "=", " ", 1), " ")
		value = strings.TrimSpace(value)
		if !strings.EqualFold(key, "StrictHostKeyChecking") {
			continue
		}
		switch strings.ToLower(value) {
		case "yes", "no", "ask":
		default:
			if h.cfg.SSHClient == hostconf.SSHClient53 {
				return &exitError{code: 255, msg: "command-line line 0: Bad yes/no/ask argument."}
			}
			return &exitError{code: 255, msg: fmt.Sprintf("command-line line 0: unsupported option %q.", value)}
		}
	}
	argv := []string{"ssh"}
	if h.cfg.SSHClient == hostconf.SSHClient53 {
		// 5.3 knows RSA and DSA host keys alone (ECDSA came in 5.7,
		// ed25519 in 6.5); the first value of an option wins.
		argv = append(argv, "-o", "HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256,ssh-rsa")
	}
	return syscall.Exec(realSSH, append(argv, args...), os.Environ())
}

// sshVersions are what ssh -V prints for each client a host can play: the
// versions of CentOS 7 and CentOS 6.
var sshVersions = map[string]string{
	hostconf.SSHClient74: "OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017",
	hostconf.SSHClient53: "OpenSSH_5.3p1, OpenSSL 1.0.1e-fips 11 Feb 2013",
}

// sshOptions returns the values of the -o options in args, which ssh
// reads up to its destination.
func sshOptions(args []string) []string {
	var opts []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || len(a) < 2 {
			break
		}
		for j := 1; j < len(a); j++ {
			if !strings.ContainsRune(sshArgOptions, rune(a[j])) {
				continue
			}
			value := a[j+1:]
			if value == "" && i+1 < len(args) {
				i++
				value = args[i]
			}
			if a[j] == 'o' {
				opts = append(opts, value)
			}
			break
		}
	}
	return opts
}

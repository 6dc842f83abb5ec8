// Package sshdtest starts real OpenSSH servers for tests: /usr/sbin/sshd on
// a loopback address of its own, with host and client keys generated for
// the test, a known_hosts file that trusts it, and everything removed when
// the test ends. It also makes the other real parts SSH tests need: an
// ssh-agent holding a key, and a temporary user whose sudo asks for a
// password.
//
// When sshd is missing a test is skipped, except under CI=true, where it
// fails.
package sshdtest

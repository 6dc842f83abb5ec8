// Package sshdtest starts real OpenSSH servers for tests: /usr/sbin/sshd on
// a loopback address of its own, with host and client keys generated for
// the test, a known_hosts file that trusts it, and everything removed when
// the test ends. It also makes the other real parts SSH tests need: an
// ssh-agent holding a key, and a temporary user whose sudo asks for a
// password.
//
// A server can leave out the SFTP subsystem, as hardened servers do.
// For fault tests a server can run in a mount namespace of its own with a
// small tmpfs that only its sessions see; it can crash (sshd and every
// process of its sessions killed at once), freeze (all of them stopped,
// their connections left open and silent), and be restarted on the same
// address and port.
//
// When sshd is missing a test is skipped, except under CI=true, where it
// fails.
package sshdtest

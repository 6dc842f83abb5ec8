// Package sshtransport is the SSH transport: a transport.Host that reaches
// a machine over one OpenSSH-compatible connection, opened lazily on first
// use and kept for the whole run, carrying many sessions at once (bounded
// by Config.MaxSessions) and one SFTP client when the host has the SFTP
// subsystem.
//
// It verifies host keys against known_hosts (hashed entries included),
// authenticates with ssh-agent, key files and, when given, a password, and
// reads ~/.ssh/config and /etc/ssh/ssh_config for HostName, User, Port,
// IdentityFile, ProxyJump, ConnectTimeout, ServerAliveInterval and
// UserKnownHostsFile. Values set in Config win over ssh_config.
//
// Every command runs through a small wrapper that reports the process
// group sshd gave the session, so that cancelling a command ends the
// remote processes (SIGTERM, then SIGKILL) from a second session rather
// than relying on SSH signals, which OpenSSH does not deliver. When the
// login shell is sh, it runs the wrapper itself, and a script given as
// Command.Script too, so that a command costs the host no process beyond
// the one sshd starts for any session; other login shells hand the wrapper
// to /bin/sh. Secrets never travel in a command line: a sudo password and
// environment values are written to the command's standard input, read by
// the wrapper before the caller's own input.
//
// Where sudoers says `Defaults requiretty`, sudo refuses to run without a
// terminal. The refusal is found by its words, before anything of the
// command's input was sent; the host is remembered as needing a terminal
// for sudo, which is said once through Config.Warn, and the command, and
// every later sudo command, runs in two sessions: one with a raw terminal
// (no echo, no byte interpreted) that runs sudo with FIFOs as its
// standard input, output and error, and one without that relays them
// (see shell.TTYLine). Such a command takes two of the MaxSessions
// slots.
//
// Files go by SFTP when the host offers it. A host without the SFTP
// subsystem, as hardened servers often are, is found by the refusal of
// the first request for it on a connection, which is remembered for
// that connection and said once per host through Config.Warn (which
// ForHost sets to the engine's, making it a host_warning event); its files
// then travel over exec sessions, with the same results. An upload is
// streamed, after its SHA-256 on a line of its own, to the script that
// writes uploads through sudo (see shell.Install): in a private
// directory beside the destination, checked before the rename, with no
// link followed and the stale temporary entries of earlier uploads
// removed. A download runs a shell that opens the file once, sends the
// bytes it held when opened and then its mode, size and SHA-256, which
// must match what arrived. The transfer may be slower; a download still
// streams, so that its memory stays bounded, and a failure to write the
// local copy ends the remote command and leaves the connection up.
//
// In PersistentMode (Config.Mode) commands go through persistent
// helpers instead: perl processes, each started once in a session, that run
// one command after another from frames on their standard input (see
// shell.HelperLine), with the same wrapper, handshake, sudo rules and
// cancellation as a session, and no fork of sshd, login shell or exec of
// sh per command: each runs in a subshell of a long-lived sh the helper
// keeps. A host starts helpers as its commands call for them, up to
// MaxSessions, and a command that finds none idle waits for one to be
// freed or started, whichever comes first (see helperPool); sudo on a
// terminal and ending a cancelled command still take sessions of their
// own, and a host where no helper can start falls back to sessions,
// saying so once through Config.Warn.
//
// The ssh_config, known_hosts and identity files are parsed once for all
// hosts, and again only when they change.
package sshtransport

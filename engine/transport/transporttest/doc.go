// Package transporttest holds the conformance tests that every
// transport.Host must pass: commands, quoting, input and environment,
// streaming, exit statuses and signals, cancellation that ends the process
// on the host, sudo, uploads and downloads; and (RunRequireTTY) the same
// through sudo for users whose sudoers says `Defaults requiretty`.
//
// The tests assume the host is the machine running them (the local
// transport, or SSH to a loopback address), so that they can check files and
// processes directly, and that they run as root.
package transporttest

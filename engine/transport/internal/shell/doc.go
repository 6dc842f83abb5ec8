// Package shell holds what the transports share about starting a process
// through /bin/sh: quoting words for a POSIX shell, the small wrapper script
// that reports a process's group and reads its environment and its sudo
// handshake from standard input, and the line splitting that streams output
// while collecting it.
//
// The wrapper exists so that nothing secret travels in an argument vector:
// a sudo password and environment values are written to the process's
// standard input ahead of the caller's own input, and the caller's input is
// only sent once the wrapper has announced that sudo let it start.
package shell

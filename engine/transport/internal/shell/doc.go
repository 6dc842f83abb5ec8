// Package shell holds what the transports share about starting a process
// through /bin/sh: the small wrapper script that reports a process's group
// and reads its environment from standard input (its words quoted by
// engine/shellquote), the handshake that answers sudo's password prompt,
// and the line splitting that streams output while collecting it.
//
// The wrapper exists so that nothing secret travels in an argument vector:
// environment values are written to the process's standard input ahead of
// the caller's own input, and the wrapper reads them once it runs. A sudo
// password goes to sudo alone: it is written only in answer to the prompt,
// random for each command, that sudo was given, and never when sudo asks
// for none; the caller's input follows only once the wrapper has announced
// that sudo let it run. Where sudo runs only on a terminal, the command's
// streams go through FIFOs so that they stay apart (see TTYLine).
package shell

// Package shellquote quotes words for a POSIX shell. It is what the
// transports use to build the command lines they start through /bin/sh,
// exported so that a module that builds a shell command line quotes its
// words the same way.
package shellquote

// Package transport defines how the engine reaches a host: the Host
// interface that every transport implements (run a command, upload a file,
// download a file, all under a context), the Command, File and Result types
// those calls exchange, the sentinel errors callers test for, and Local, the
// transport that runs tasks on the control node with os/exec.
//
// The SSH transport lives in the sshtransport subpackage; a test double or a
// dry-run transport is just another implementation of Host.
package transport

// Command runbook loads HCL playbooks and runs them over SSH across the
// hosts of their inventory.
//
// The command is a thin face over the engine package: it owns the command
// line (subcommands, flags, usage text), what a person sees (the live view on
// a terminal, plain timestamped lines otherwise, JSON lines on request, the
// recap at the end), the questions it asks on a terminal (confirmation of
// destructive steps, key passphrases), the wiring of the SSH transport, the
// handling of interrupts and the exit codes. It holds no engine logic.
//
// CLI.md, beside this file, is the reference of its commands, flags, exit
// codes and JSON event schema.
package main

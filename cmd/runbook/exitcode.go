package main

// Exit codes of the runbook command, documented in CLI.md.
const (
	exitOK          = 0   // success
	exitTaskFailed  = 1   // a task failed (or fmt -check found files to format)
	exitUsage       = 2   // usage or playbook errors
	exitUnreachable = 3   // a host could not be reached
	exitInterrupted = 130 // interrupted by SIGINT or SIGTERM
)

package main

import (
	"fmt"
	"io"
	"time"

	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/internal/sim"
)

// printPair tells how to reach the pair and run the playbook against it.
func printPair(w io.Writer, p *sim.Pair, varFile string, took time.Duration) {
	fmt.Fprintf(w, "Simulated Alation pair up in %.1fs (state in %s)\n\n", took.Seconds(), p.Dir)
	for _, h := range p.Hosts() {
		fmt.Fprintf(w, "  %-9s %s port %d  Alation %s in %s\n", h.Name, h.Address, h.SSHPort, h.Version, h.AlationDir)
	}
	fmt.Fprintf(w, "\nSSH user:     %s\nprivate key:  %s\nknown_hosts:  %s\nvariables:    %s\n\n",
		p.User, p.KeyPath, p.KnownHostsPath, varFile)
	fmt.Fprintf(w, "Set up replication:\n  runbook run ha-pair -var-file %s --known-hosts %s\n\n",
		shellquote.Quote(varFile), shellquote.Quote(p.KnownHostsPath))
	fmt.Fprintf(w, "Log in:\n  ssh -i %s -o UserKnownHostsFile=%s -p %d %s@%s\n\n",
		shellquote.Quote(p.KeyPath), shellquote.Quote(p.KnownHostsPath), p.Primary.SSHPort, p.User, p.Primary.Address)
	fmt.Fprintf(w, "Replication state:\n  alation-sim status -dir %s\n\n", shellquote.Quote(p.Dir))
	fmt.Fprintf(w, "Stop:\n  alation-sim down -dir %s\n", shellquote.Quote(p.Dir))
}

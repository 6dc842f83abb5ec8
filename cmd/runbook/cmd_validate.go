package main

import (
	"fmt"

	"github.com/runbookhq/runbook/engine"
)

var validateCommand = &command{
	name:     "validate",
	synopsis: "[flags] PLAYBOOK",
	summary:  "Check a playbook without connecting to any host.",
	help: `Validate loads the playbook and its variables, checks every block, reference
and argument against the modules' schemas, and evaluates every task instance
with the values it can know before a run. It connects to no host.`,
	run: runValidate,
}

func runValidate(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	var lf loadFlags
	lf.register(fs)
	p, code, ok := c.loadPlaybookArgs(fs, &lf, args)
	if !ok {
		return code
	}
	_, diags := p.Plan()
	c.writeDiagnostics(diags, p.Files(), lf.noColor)
	if diags.HasErrors() {
		return exitUsage
	}
	tasks, hosts := countTasksAndHosts(p.Instances())
	fmt.Fprintf(c.stdout, "The playbook is valid: %s, %s on %s.\n",
		plural(tasks, "task"), plural(len(p.Instances()), "instance"), plural(hosts, "host"))
	return exitOK
}

// countTasksAndHosts counts the distinct tasks and hosts of instances.
func countTasksAndHosts(instances []engine.InstanceInfo) (tasks, hosts int) {
	taskSet, hostSet := map[string]bool{}, map[string]bool{}
	for _, inst := range instances {
		taskSet[inst.Task] = true
		hostSet[inst.Host] = true
	}
	return len(taskSet), len(hostSet)
}

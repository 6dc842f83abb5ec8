package main

import "fmt"

var graphCommand = &command{
	name:     "graph",
	synopsis: "[flags] PLAYBOOK",
	summary:  "Print the task graph of a playbook in Graphviz DOT.",
	help: `Graph prints the playbook's graph in the DOT language: one node per task and
an edge for each dependency, from references and depends_on. With --per-host,
one node per task instance (task × host). Render it with, for example,
"runbook graph PLAYBOOK | dot -Tsvg > graph.svg".`,
	run: runGraph,
}

func runGraph(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	var lf loadFlags
	lf.register(fs)
	perHost := fs.Bool("per-host", false, "Draw one node per task instance (task × host) instead of one per task.")
	p, code, ok := c.loadPlaybookArgs(fs, &lf, args)
	if !ok {
		return code
	}
	if err := p.WriteDOT(c.stdout, *perHost); err != nil {
		fmt.Fprintf(c.stderr, "runbook graph: %v\n", err)
		return exitUsage
	}
	return exitOK
}

package main

import (
	"encoding/json"
	"strings"
	"testing/fstest"

	"github.com/runbookhq/runbook/engine"
)

var execCommand = &command{
	name:     "exec",
	synopsis: "[flags] -- COMMAND [ARG...]",
	summary:  "Run one command on hosts, without a playbook.",
	help: `Exec runs one command on every host of the inventory (-i), or on those of
--limit, as a playbook of one command task would: the same transport, output,
recap, journal and exit status as run, except that every line the command
prints shows as it comes ("web1 exec | line"), whether it succeeds or not. The command and its arguments follow
"--" and reach the host as they are, with no shell in between; run a shell
explicitly for pipes (-- sh -c 'uptime | cut -d, -f1').

It is Ansible's "ansible web -a uptime": runbook exec -i hosts.hcl --limit web
-- uptime.

Exit status: 0 success, 1 the command failed on a host, 2 usage error, 3 a
host was unreachable, 130 interrupted.`,
	run: runExec,
}

func runExec(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	var f runFlags
	f.register(fs)
	argv, code, ok := fs.parse(c, args)
	if !ok {
		return code
	}
	if len(argv) == 0 {
		return fs.usageError(c, "no command given: write it after --, as in runbook exec -i hosts.hcl -- uptime")
	}
	p, diags := engine.LoadFS(adHocPlaybook(argv), "exec", f.load.options())
	c.writeDiagnostics(diags, p.Files(), f.load.noColor)
	if diags.HasErrors() {
		return exitUsage
	}
	c.everyLine = true
	return c.runPlaybook(fs, &f, p)
}

// adHocPlaybook returns the playbook exec runs: one command task, exec,
// on every host of the inventory, with argv as its argument vector. It
// is in JSON syntax, whose strings are templates, so that "${" and "%{"
// in argv are escaped to reach the host as they are.
func adHocPlaybook(argv []string) fstest.MapFS {
	escaped := make([]string, len(argv))
	for i, a := range argv {
		escaped[i] = strings.NewReplacer("${", "$${", "%{", "%%{").Replace(a)
	}
	doc := map[string]any{"task": map[string]any{"command": map[string]any{"exec": map[string]any{
		"on":   "${group.all}",
		"argv": escaped,
	}}}}
	data, _ := json.Marshal(doc) // strings only: it cannot fail
	return fstest.MapFS{"exec/main.hcl.json": {Data: data}}
}

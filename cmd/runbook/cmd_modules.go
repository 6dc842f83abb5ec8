package main

import (
	"fmt"
	"strings"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/modules"
	_ "github.com/runbookhq/runbook/modules/alation" // registers the Alation modules
)

var modulesCommand = &command{
	name:     "modules",
	synopsis: "[NAME]",
	summary:  "List the modules, or describe one.",
	help: `Without NAME, modules lists every module with the first sentence of its
description. With NAME, it prints the module's reference: its description, its
arguments (type, whether required, default, description) and its outputs.`,
	run: runModules,
}

func runModules(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	names, code, ok := fs.parse(c, args)
	if !ok {
		return code
	}
	switch len(names) {
	case 0:
		list := engine.Modules()
		width := 0
		for _, info := range list {
			width = max(width, len(info.Name))
		}
		for _, info := range list {
			fmt.Fprintf(c.stdout, "%-*s  %s\n", width, info.Name, firstSentence(info.Doc))
		}
		return exitOK
	case 1:
		info, found := engine.LookupModule(names[0])
		if !found {
			known := make([]string, 0)
			for _, m := range engine.Modules() {
				known = append(known, m.Name)
			}
			return fs.usageError(c, "no module named %q.%s Run 'runbook modules' for the list.", names[0], didYouMean(names[0], known))
		}
		if err := modules.WriteReference(c.stdout, []engine.ModuleInfo{info}); err != nil {
			fmt.Fprintf(c.stderr, "runbook modules: %v\n", err)
			return exitUsage
		}
		return exitOK
	default:
		return fs.usageError(c, "one module name expected, got %d", len(names))
	}
}

// firstSentence returns the text of doc up to the end of its first
// sentence: a period followed by a space or the end.
func firstSentence(doc string) string {
	doc = strings.Join(strings.Fields(doc), " ")
	if i := strings.Index(doc, ". "); i >= 0 {
		return doc[:i+1]
	}
	return doc
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/suggest"
	"github.com/runbookhq/runbook/playbooks"
)

// loadFlags are the flags of every command that loads a playbook.
type loadFlags struct {
	vars        stringList
	varFiles    stringList
	inventories stringList
	noColor     bool
	path        string // the playbook's file or directory, once loaded from one
	bundled     string // the file of the bundled playbook, once loaded from one
}

func (l *loadFlags) register(fs *flagSet) {
	fs.Var(&l.vars, "var", "Set a variable: `NAME=VALUE`; repeatable. A -var wins over var files, which win over RUNBOOK_VAR_NAME in the environment.")
	fs.Var(&l.varFiles, "var-file", "Read variable values from an HCL `FILE` of NAME = VALUE lines; repeatable, later files win.")
	fs.Var(&l.inventories, "inventory", "Add the host blocks of an extra HCL `FILE` (host blocks only) to the playbook's; repeatable.")
	fs.alias("i", "inventory")
	fs.BoolVar(&l.noColor, "no-color", false, "Print no colours. Setting the NO_COLOR environment variable does the same.")
}

// options returns the engine's load options for these flags.
func (l *loadFlags) options() engine.LoadOptions {
	return engine.LoadOptions{
		Vars:      l.vars,
		VarFiles:  l.varFiles,
		Inventory: l.inventories,
		Environ:   os.Environ(),
		Bundled:   playbooks.FS,
	}
}

// load loads the playbook named by arg: a file or directory when such a
// path exists, else the bundled playbook of that name. Errors and warnings
// are printed in HCL's style; ok is false when there were errors.
func (c *cli) load(arg string, l *loadFlags) (p *engine.Playbook, ok bool) {
	opts := l.options()
	var diags hcl.Diagnostics
	switch _, err := os.Stat(arg); {
	case err == nil:
		p, diags = engine.Load(arg, opts)
		l.path = arg
	case !errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(c.stderr, "runbook: %v\n", err)
		return nil, false
	default:
		fsys, file, found := bundledPlaybook(arg)
		if !found {
			fmt.Fprintf(c.stderr, "runbook: no playbook file or directory %q, and no bundled playbook of that name.%s\nBundled playbooks: %s.\n",
				arg, suggest.DidYouMean(arg, bundledNames()), strings.Join(bundledNames(), ", "))
			return nil, false
		}
		p, diags = engine.LoadFS(fsys, file, opts)
		l.bundled = file
	}
	c.writeDiagnostics(diags, p.Files(), l.noColor)
	return p, !diags.HasErrors()
}

// writeDiagnostics prints diags to stderr the way HCL does: the summary,
// the source line with the span underlined (a long line cut around it),
// and the detail.
func (c *cli) writeDiagnostics(diags hcl.Diagnostics, files map[string]*hcl.File, noColor bool) {
	if len(diags) == 0 {
		return
	}
	w := engine.NewDiagnosticWriter(c.stderr, files, c.colorOn(c.stderr, noColor))
	// The writer's errors are those of stderr, about which nothing can be done.
	_ = w.WriteDiagnostics(diags)
}

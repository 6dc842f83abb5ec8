package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/runbookhq/runbook/internal/suggest"
)

// cli is what a command sees of its process: the standard streams and the
// environment.
type cli struct {
	stdin  *os.File
	stdout *os.File
	stderr *os.File
	getenv func(string) string
	// everyLine makes the text views show every line of output as it
	// comes, as exec wants: there the output is what was asked for.
	everyLine bool
}

// command is one subcommand of runbook.
type command struct {
	name     string
	synopsis string // what follows "runbook NAME" in the usage line
	summary  string // one line for the list of commands
	help     string // the paragraph shown by "runbook NAME -h"
	run      func(c *cli, cmd *command, args []string) int
}

// commands lists the subcommands in the order the usage text shows them.
var commands = []*command{
	runCommand,
	attachCommand,
	workerCommand,
	execCommand,
	planCommand,
	validateCommand,
	graphCommand,
	fmtCommand,
	modulesCommand,
	versionCommand,
}

func main() {
	c := &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(c.dispatch(os.Args[1:]))
}

// dispatch runs the subcommand named by args[0] and returns the exit code.
func (c *cli) dispatch(args []string) int {
	if len(args) == 0 {
		c.writeUsage(c.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		c.writeUsage(c.stdout)
		return exitOK
	case "help":
		return c.help(rest)
	case "-version", "--version":
		name = versionCommand.name
	}
	cmd := lookupCommand(name)
	if cmd == nil {
		fmt.Fprintf(c.stderr, "runbook: unknown command %q.%s\nRun 'runbook help' for the list of commands.\n", name, suggest.DidYouMean(name, commandNames()))
		return exitUsage
	}
	return cmd.run(c, cmd, rest)
}

// help implements "runbook help [COMMAND]".
func (c *cli) help(args []string) int {
	if len(args) == 0 {
		c.writeUsage(c.stdout)
		return exitOK
	}
	cmd := lookupCommand(args[0])
	if cmd == nil {
		fmt.Fprintf(c.stderr, "runbook help: unknown command %q.%s\n", args[0], suggest.DidYouMean(args[0], commandNames()))
		return exitUsage
	}
	return cmd.run(c, cmd, []string{"-h"})
}

// writeUsage prints the top-level usage text.
func (c *cli) writeUsage(w io.Writer) {
	fmt.Fprint(w, "runbook runs HCL playbooks over SSH across the hosts of an inventory.\n\n")
	fmt.Fprint(w, "Usage: runbook COMMAND [flags] [arguments]\n\nCommands:\n")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, "\nPLAYBOOK is a playbook file, a directory of *.hcl files, or the name of a\n")
	fmt.Fprintf(w, "bundled playbook (%s).\n", strings.Join(bundledNames(), ", "))
	fmt.Fprint(w, "Run 'runbook COMMAND -h' for the flags of a command.\n")
}

func lookupCommand(name string) *command {
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

func commandNames() []string {
	names := make([]string, len(commands))
	for i, cmd := range commands {
		names[i] = cmd.name
	}
	return names
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// flagSet is a command's flags: a flag.FlagSet that accepts flags before and
// after the positional arguments, knows one-letter aliases, and prints the
// command's usage text.
type flagSet struct {
	*flag.FlagSet
	cmd     *command
	aliases map[string]string // long name -> one-letter alias
}

func newFlagSet(cmd *command) *flagSet {
	fs := flag.NewFlagSet("runbook "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, cmd: cmd, aliases: map[string]string{}}
}

// alias makes -short another name of the already defined flag --long.
func (f *flagSet) alias(short, long string) {
	fl := f.Lookup(long)
	f.Var(fl.Value, short, fl.Usage)
	f.aliases[long] = short
}

// stringList is a repeatable string flag; each use appends one value.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// items returns the comma-separated items of every value given.
func (s stringList) items() []string {
	var items []string
	for _, v := range s {
		items = append(items, splitList(v)...)
	}
	return items
}

// parse parses args, flags and positional arguments in any order ("--" ends
// the flags), and returns the positional arguments. When ok is false the
// command must return code: the usage was printed for -h, or a usage error
// was reported.
func (f *flagSet) parse(c *cli, args []string) (positional []string, code int, ok bool) {
	for {
		err := f.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			f.writeUsage(c.stdout)
			return nil, exitOK, false
		}
		if err != nil {
			return nil, f.usageError(c, "%v", err), false
		}
		rest := f.Args()
		if len(rest) == 0 {
			return positional, exitOK, true
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), exitOK, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError reports a usage error of the command and returns exitUsage.
func (f *flagSet) usageError(c *cli, format string, args ...any) int {
	fmt.Fprintf(c.stderr, "runbook %s: %s\nRun 'runbook %s -h' for usage.\n", f.cmd.name, fmt.Sprintf(format, args...), f.cmd.name)
	return exitUsage
}

// writeUsage prints the command's usage line, its help and its flags.
func (f *flagSet) writeUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", strings.TrimSpace("runbook "+f.cmd.name+" "+f.cmd.synopsis), f.cmd.help)
	type entry struct{ long, names, usage string }
	var entries []entry
	isAlias := map[string]bool{}
	for _, short := range f.aliases {
		isAlias[short] = true
	}
	f.VisitAll(func(fl *flag.Flag) {
		if isAlias[fl.Name] {
			return
		}
		placeholder, usage := flag.UnquoteUsage(fl)
		names := "--" + fl.Name
		if short, ok := f.aliases[fl.Name]; ok {
			names = "-" + short + ", " + names
		}
		if placeholder != "" {
			names += " " + placeholder
		}
		if def := fl.DefValue; def != "" && def != "false" && def != "0" && def != "0s" {
			usage += fmt.Sprintf(" (default %s)", def)
		}
		entries = append(entries, entry{fl.Name, names, usage})
	})
	if len(entries) == 0 {
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].long < entries[j].long })
	fmt.Fprint(w, "\nFlags (one or two dashes alike):\n")
	for _, e := range entries {
		fmt.Fprintf(w, "  %s\n", e.names)
		fmt.Fprintf(w, "      %s\n", wrapText(e.usage, 72, "\n      "))
	}
}

// wrapText breaks s at spaces into lines of at most width runes, joined by
// sep.
func wrapText(s string, width int, sep string) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, sep)
}

package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/runbookhq/runbook/engine"
	"github.com/runbookhq/runbook/internal/suggest"
	"github.com/runbookhq/runbook/modules"
	_ "github.com/runbookhq/runbook/modules/alation" // registers the Alation modules
)

var modulesCommand = &command{
	name:     "modules",
	synopsis: "[flags] [NAME]",
	summary:  "List the modules, or describe one.",
	help: `Without NAME, modules lists every module with the first sentence of its
description. With NAME, it prints the module's reference: its description, its
arguments (type, whether required, default, description) and its outputs
(type, whether sensitive, description), as text for a terminal or, with
--markdown, as the module's section of modules/REFERENCE.md.`,
	run: runModules,
}

func runModules(c *cli, cmd *command, args []string) int {
	fs := newFlagSet(cmd)
	markdown := fs.Bool("markdown", false, "Print the reference in Markdown, as modules/REFERENCE.md holds it.")
	names, code, ok := fs.parse(c, args)
	if !ok {
		return code
	}
	switch len(names) {
	case 0:
		if *markdown {
			return fs.usageError(c, "--markdown goes with a module NAME")
		}
		writeModuleList(c.stdout)
		return exitOK
	case 1:
		info, found := engine.LookupModule(names[0])
		if !found {
			known := make([]string, 0)
			for _, m := range engine.Modules() {
				known = append(known, m.Name)
			}
			return fs.usageError(c, "no module named %q.%s Run 'runbook modules' for the list.", names[0], suggest.DidYouMean(names[0], known))
		}
		var err error
		if *markdown {
			err = modules.WriteReference(c.stdout, []engine.ModuleInfo{info})
		} else {
			err = writeModuleText(c.stdout, info)
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "runbook modules: %v\n", err)
			return exitUsage
		}
		return exitOK
	default:
		return fs.usageError(c, "one module name expected, got %d", len(names))
	}
}

// writeModuleList writes one line per module: its name and the first
// sentence of its description.
func writeModuleList(w io.Writer) {
	list := engine.Modules()
	width := 0
	for _, info := range list {
		width = max(width, len(info.Name))
	}
	for _, info := range list {
		fmt.Fprintf(w, "%-*s  %s\n", width, info.Name, firstSentence(info.Doc))
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

// referenceWidth is the width, in columns, that the text reference of a
// module fits in.
const referenceWidth = 78

// minDocWidth is the narrowest the description column of a table gets
// before the other columns give up room.
const minDocWidth = 30

// writeModuleText writes the reference of a module as plain text for a
// terminal.
func writeModuleText(w io.Writer, info engine.ModuleInfo) error {
	ref, err := modules.Describe(info)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, referenceText(ref))
	return err
}

// referenceText renders a module's reference as plain text: its name, its
// description, and tables of its arguments and of its outputs.
func referenceText(ref modules.Reference) string {
	var b strings.Builder
	b.WriteString(ref.Name + "\n")
	if ref.Doc != "" {
		b.WriteString("\n  " + wrapText(ref.Doc, referenceWidth-2, "\n  ") + "\n")
	}
	b.WriteString("\n  " + wrapText(ref.CheckMode(), referenceWidth-2, "\n  ") + "\n")
	args := make([][]string, 0, len(ref.Arguments))
	for _, a := range ref.Arguments {
		args = append(args, []string{a.Name, a.Type, argumentUse(a), a.Doc})
	}
	writeSection(&b, "ARGUMENTS", args)
	outs := make([][]string, 0, len(ref.Outputs))
	for _, o := range ref.Outputs {
		mark := ""
		if o.Sensitive {
			mark = "sensitive"
		}
		outs = append(outs, []string{o.Name, o.Type, mark, o.Doc})
	}
	writeSection(&b, "OUTPUTS", outs)
	return b.String()
}

// argumentUse says that an argument is required, or else gives its
// default, or else says that it is optional.
func argumentUse(a modules.Argument) string {
	switch {
	case a.Required:
		return "required"
	case a.Default != "":
		return "default " + a.Default
	default:
		return "optional"
	}
}

// writeSection writes a titled table of rows, or "None." when there are
// no rows.
func writeSection(b *strings.Builder, title string, rows [][]string) {
	b.WriteString("\n" + title + "\n")
	if len(rows) == 0 {
		b.WriteString("  None.\n")
		return
	}
	writeTable(b, rows)
}

// writeTable writes rows as columns indented by two spaces and two apart,
// their last cell, the description, wrapped to fit referenceWidth. A
// column empty in every row takes no room. When the other columns leave
// the description fewer than minDocWidth columns, the widest of them
// narrows, and its longer cells push the rest of their row to the next
// line.
func writeTable(b *strings.Builder, rows [][]string) {
	last := len(rows[0]) - 1
	widths := make([]int, last)
	for _, row := range rows {
		for i := range widths {
			widths[i] = max(widths[i], utf8.RuneCountInString(row[i]))
		}
	}
	for docWidth(widths) < minDocWidth {
		if !narrowWidest(widths, rows) {
			break
		}
	}
	starts := make([]int, last+1)
	starts[0] = 2
	for i, w := range widths {
		starts[i+1] = starts[i]
		if w > 0 {
			starts[i+1] += w + 2
		}
	}
	for _, row := range rows {
		var line lineBuilder
		for i, w := range widths {
			if w > 0 {
				line.moveTo(b, starts[i])
				line.text += row[i]
			}
		}
		for j, text := range strings.Split(wrapText(row[last], docWidth(widths), "\n"), "\n") {
			if j > 0 {
				line.end(b)
			}
			line.moveTo(b, starts[last])
			line.text += text
		}
		line.end(b)
	}
}

// docWidth is the room the columns of the given widths leave the
// description.
func docWidth(widths []int) int {
	room := referenceWidth - 2
	for _, w := range widths {
		if w > 0 {
			room -= w + 2
		}
	}
	return room
}

// narrowWidest narrows the widest column to its next shorter cell, and
// reports false when it has no shorter non-empty cell.
func narrowWidest(widths []int, rows [][]string) bool {
	widest := 0
	for i, w := range widths {
		if w > widths[widest] {
			widest = i
		}
	}
	narrower := 0
	for _, row := range rows {
		if n := utf8.RuneCountInString(row[widest]); n < widths[widest] {
			narrower = max(narrower, n)
		}
	}
	if narrower == 0 {
		return false
	}
	widths[widest] = narrower
	return true
}

// lineBuilder is the line of a table being written.
type lineBuilder struct{ text string }

// moveTo pads the line with spaces up to column col, or, when the line
// already reaches within two columns of col, ends it and starts the next
// line at col.
func (l *lineBuilder) moveTo(b *strings.Builder, col int) {
	if n := utf8.RuneCountInString(l.text); n > 0 && n > col-2 {
		l.end(b)
	}
	l.text += strings.Repeat(" ", col-utf8.RuneCountInString(l.text))
}

// end writes the line, without trailing spaces, and empties it.
func (l *lineBuilder) end(b *strings.Builder) {
	b.WriteString(strings.TrimRight(l.text, " ") + "\n")
	l.text = ""
}

package modules

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine"
)

func init() {
	engine.RegisterModule(engine.ModuleInfo{
		Name: "lineinfile",
		Doc: "Makes sure a line is in a text file on the host, or that no line matching a regular expression is. " +
			"With regexp, the last line it matches is replaced by line; without a match, line is added (after the last line " +
			"insert_after matches, else at the end) unless the file already holds it. The file is written to a temporary name " +
			"and renamed into place, keeping its mode, owner and group; a file that would not change is left alone.",
		New:     func() engine.Module { return &LineInFile{State: "present"} },
		Outputs: EditOutputs{},
	})
}

// LineInFile is the lineinfile module: it keeps one line of a text file
// present or absent.
type LineInFile struct {
	Path        string `hcl:"path" doc:"The absolute path of the file on the host."`
	Line        string `hcl:"line,optional" doc:"The line, without its line end. Required for state = \"present\"; for \"absent\" without regexp, the lines equal to it are removed."`
	Regexp      string `hcl:"regexp,optional" doc:"A regular expression (Go's RE2 syntax, https://pkg.go.dev/regexp/syntax) that the line to replace, or the lines to remove, match."`
	State       string `hcl:"state,optional" doc:"present or absent."`
	InsertAfter string `hcl:"insert_after,optional" doc:"A regular expression: a line added goes after the last line it matches, else at the end."`
	Create      bool   `hcl:"create,optional" doc:"Create the file when it is missing; without it a missing file is an error (for state = \"present\")."`
	Backup      bool   `hcl:"backup,optional" doc:"Copy the old file to PATH.TIME~ before changing it, keeping its mode and owner; the backup output names the copy."`
	Mode        string `hcl:"mode,optional" doc:"The permission bits, in octal; unset keeps the file's (a new file gets 0644)."`
	Owner       string `hcl:"owner,optional" doc:"The user that owns the file; unset keeps the file's. Changing it usually needs sudo = true."`
	Group       string `hcl:"group,optional" doc:"The group of the file; unset keeps the file's. Changing it usually needs sudo = true."`
}

// Validate checks the state, the line and the regular expressions.
func (l *LineInFile) Validate() error {
	switch {
	case !slices.Contains(editStates, l.State):
		return engine.ArgErrorf("state", "%q is neither present nor absent", l.State)
	case strings.ContainsAny(l.Line, "\n\r"):
		return engine.ArgErrorf("line", "%w", errNewline)
	case l.State == "present" && l.Line == "" && l.Regexp == "":
		return engine.ArgErrorf("line", "state = \"present\" needs the line")
	case l.State == "absent" && l.Line == "" && l.Regexp == "":
		return engine.ArgErrorf("regexp", "state = \"absent\" needs regexp or line: the lines to remove")
	}
	for _, arg := range [][2]string{{"regexp", l.Regexp}, {"insert_after", l.InsertAfter}} {
		if _, err := regexp.Compile(arg[1]); err != nil {
			return engine.ArgErrorf(arg[0], "%v", err)
		}
	}
	return l.textEdit().validate()
}

// Describe says what the task keeps in which file.
func (l *LineInFile) Describe() string {
	if l.State == "absent" {
		return "remove from " + l.Path + " the lines " + cmpOrQuote(l.Regexp, l.Line)
	}
	return "keep in " + l.Path + " the line " + displayWord(l.Line)
}

// cmpOrQuote describes the lines a task removes: those matching expr, or
// equal to line.
func cmpOrQuote(expr, line string) string {
	if expr != "" {
		return "matching " + displayWord(expr)
	}
	return "equal to " + displayWord(line)
}

// SafeToRepeat reports true: the edit leaves a file that has it alone.
func (l *LineInFile) SafeToRepeat() bool { return true }

// Run edits the file.
func (l *LineInFile) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return l.textEdit().run(ctx, env, true)
}

// Check says whether Run would change the file, and with env.Diff how.
func (l *LineInFile) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return l.textEdit().run(ctx, env, false)
}

// textEdit is the edit of the task's file.
func (l *LineInFile) textEdit() textEdit {
	return textEdit{path: l.Path, create: l.Create, backup: l.Backup, mode: l.Mode, owner: l.Owner, group: l.Group, edit: l.edit}
}

// matches reports whether line is one the task replaces or removes.
func (l *LineInFile) matches(re *regexp.Regexp, line string) bool {
	if re != nil {
		return re.MatchString(line)
	}
	return line == l.Line
}

// edit returns lines with the task's line present or absent.
func (l *LineInFile) edit(lines []string) []string {
	var re *regexp.Regexp
	if l.Regexp != "" {
		re = regexp.MustCompile(l.Regexp) // checked by Validate
	}
	if l.State == "absent" {
		return slices.DeleteFunc(lines, func(line string) bool { return l.matches(re, line) })
	}
	if re != nil {
		for i := len(lines) - 1; i >= 0; i-- {
			if re.MatchString(lines[i]) {
				lines[i] = l.Line
				return lines
			}
		}
	}
	if slices.Contains(lines, l.Line) {
		return lines
	}
	return insertAfter(lines, l.InsertAfter, l.Line)
}

// insertAfter returns lines with add inserted after the last line that
// the regular expression expr matches, or at the end when expr is empty
// or matches none.
func insertAfter(lines []string, expr string, add ...string) []string {
	at := len(lines)
	if expr != "" {
		re := regexp.MustCompile(expr) // checked by Validate
		for i := len(lines) - 1; i >= 0; i-- {
			if re.MatchString(lines[i]) {
				at = i + 1
				break
			}
		}
	}
	return slices.Insert(lines, at, add...)
}

var (
	_ engine.Validator  = (*LineInFile)(nil)
	_ engine.Describer  = (*LineInFile)(nil)
	_ engine.Repeatable = (*LineInFile)(nil)
	_ engine.Checker    = (*LineInFile)(nil)
)

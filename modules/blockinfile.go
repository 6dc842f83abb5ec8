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
		Name: "blockinfile",
		Doc: "Makes sure a block of lines, between two marker lines, is in a text file on the host, or is not. " +
			"The block between the markers is replaced by block; without the markers, they and the block are added (after the " +
			"last line insert_after matches, else at the end). The file is written to a temporary name and renamed into place, " +
			"keeping its mode, owner and group; a file that would not change is left alone.",
		New: func() engine.Module {
			return &BlockInFile{State: "present", Marker: "# {mark} RUNBOOK MANAGED BLOCK", MarkerBegin: "BEGIN", MarkerEnd: "END"}
		},
		Outputs: EditOutputs{},
	})
}

// BlockInFile is the blockinfile module: it keeps a marked block of a
// text file present or absent.
type BlockInFile struct {
	Path        string `hcl:"path" doc:"The absolute path of the file on the host."`
	Block       string `hcl:"block,optional" doc:"The lines between the markers; one final line end is dropped."`
	Marker      string `hcl:"marker,optional" doc:"The marker lines, in which {mark} stands for marker_begin or marker_end; a comment in the file's syntax. Two tasks that manage two blocks of one file need two markers."`
	MarkerBegin string `hcl:"marker_begin,optional" doc:"What {mark} reads in the first marker."`
	MarkerEnd   string `hcl:"marker_end,optional" doc:"What {mark} reads in the last marker."`
	State       string `hcl:"state,optional" doc:"present or absent (the markers and the block between them are removed)."`
	InsertAfter string `hcl:"insert_after,optional" doc:"A regular expression: a block added goes after the last line it matches, else at the end."`
	Create      bool   `hcl:"create,optional" doc:"Create the file when it is missing; without it a missing file is an error (for state = \"present\")."`
	Backup      bool   `hcl:"backup,optional" doc:"Copy the old file to PATH.TIME~ before changing it, keeping its mode and owner; the backup output names the copy."`
	Mode        string `hcl:"mode,optional" doc:"The permission bits, in octal; unset keeps the file's (a new file gets 0644)."`
	Owner       string `hcl:"owner,optional" doc:"The user that owns the file; unset keeps the file's. Changing it usually needs sudo = true."`
	Group       string `hcl:"group,optional" doc:"The group of the file; unset keeps the file's. Changing it usually needs sudo = true."`
}

// Validate checks the state, the markers and insert_after.
func (b *BlockInFile) Validate() error {
	begin, end := b.markers()
	switch {
	case !slices.Contains(editStates, b.State):
		return engine.ArgErrorf("state", "%q is neither present nor absent", b.State)
	case !strings.Contains(b.Marker, "{mark}"):
		return engine.ArgErrorf("marker", "%q does not hold {mark}, so the two markers would be the same line", b.Marker)
	case strings.ContainsAny(b.Marker+b.MarkerBegin+b.MarkerEnd, "\n\r"):
		return engine.ArgErrorf("marker", "%w", errNewline)
	case begin == end:
		return engine.ArgErrorf("marker_end", "the two markers are the same line")
	}
	if _, err := regexp.Compile(b.InsertAfter); err != nil {
		return engine.ArgErrorf("insert_after", "%v", err)
	}
	return b.textEdit().validate()
}

// Describe says what the task keeps in which file.
func (b *BlockInFile) Describe() string {
	begin, _ := b.markers()
	if b.State == "absent" {
		return "remove from " + b.Path + " the block " + displayWord(begin)
	}
	return "keep in " + b.Path + " the block " + displayWord(begin)
}

// SafeToRepeat reports true: the edit leaves a file that has it alone.
func (b *BlockInFile) SafeToRepeat() bool { return true }

// Run edits the file.
func (b *BlockInFile) Run(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return b.textEdit().run(ctx, env, true)
}

// Check says whether Run would change the file, and with env.Diff how.
func (b *BlockInFile) Check(ctx context.Context, env *engine.Env) (engine.Result, error) {
	return b.textEdit().run(ctx, env, false)
}

// textEdit is the edit of the task's file.
func (b *BlockInFile) textEdit() textEdit {
	return textEdit{path: b.Path, create: b.Create, backup: b.Backup, mode: b.Mode, owner: b.Owner, group: b.Group, edit: b.edit}
}

// markers returns the first and the last marker line.
func (b *BlockInFile) markers() (string, string) {
	return strings.ReplaceAll(b.Marker, "{mark}", b.MarkerBegin), strings.ReplaceAll(b.Marker, "{mark}", b.MarkerEnd)
}

// edit returns lines with the marked block present, as the task gives
// it, or absent.
func (b *BlockInFile) edit(lines []string) []string {
	begin, end := b.markers()
	var block []string
	if b.State == "present" {
		block = append(append([]string{begin}, splitLines([]byte(b.Block))...), end)
	}
	first := slices.Index(lines, begin)
	last := -1
	if first >= 0 {
		if i := slices.Index(lines[first:], end); i >= 0 {
			last = first + i
		}
	}
	switch {
	case last >= 0:
		return slices.Replace(lines, first, last+1, block...)
	case b.State == "absent":
		return lines
	}
	return insertAfter(lines, b.InsertAfter, block...)
}

var (
	_ engine.Validator  = (*BlockInFile)(nil)
	_ engine.Describer  = (*BlockInFile)(nil)
	_ engine.Repeatable = (*BlockInFile)(nil)
	_ engine.Checker    = (*BlockInFile)(nil)
)

package engine

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Long source lines are cut in the snippets of diagnostics: a var file or
// a JSON playbook may hold a line of hundreds of kilobytes.
const (
	// maxSnippetLine is the most bytes of a source line a snippet shows.
	maxSnippetLine = 160
	// snippetLead is how many bytes a cut line keeps before the place the
	// diagnostic points at.
	snippetLead = 40
	// ellipsis marks where a line was cut.
	ellipsis = "…"
)

// NewDiagnosticWriter returns a writer that prints diagnostics as
// hcl.NewDiagnosticTextWriter does (with no wrapping), the source line of
// each under its summary, except that the place is FILE:LINE:COLUMN
// rather than "FILE line LINE", and that a source line longer than 160
// bytes is cut to a window around the place the diagnostic points at,
// with "…" where it was cut. Use it, with Playbook.Files, to print the
// diagnostics of Load and Plan.
func NewDiagnosticWriter(w io.Writer, files map[string]*hcl.File, color bool) hcl.DiagnosticWriter {
	return &diagWriter{w: w, files: files, color: color}
}

// diagWriter is the writer of NewDiagnosticWriter.
type diagWriter struct {
	w     io.Writer
	files map[string]*hcl.File
	color bool
}

// WriteDiagnostic prints one diagnostic, its place as FILE:LINE:COLUMN.
func (d *diagWriter) WriteDiagnostic(diag *hcl.Diagnostic) error {
	shown, files := clipSnippet(diag, d.files)
	var b bytes.Buffer
	if err := hcl.NewDiagnosticTextWriter(&b, files, 0, d.color).WriteDiagnostic(shown); err != nil {
		return err
	}
	text := b.Bytes()
	if s := diag.Subject; s != nil {
		place := fmt.Sprintf("  on %s line %d", shown.Subject.Filename, shown.Subject.Start.Line)
		text = bytes.Replace(text, []byte(place), []byte(fmt.Sprintf("  on %s:%d:%d", s.Filename, s.Start.Line, s.Start.Column)), 1)
	}
	_, err := d.w.Write(text)
	return err
}

// WriteDiagnostics prints diags in order.
func (d *diagWriter) WriteDiagnostics(diags hcl.Diagnostics) error {
	for _, diag := range diags {
		if err := d.WriteDiagnostic(diag); err != nil {
			return err
		}
	}
	return nil
}

// clipSnippet returns diag and the files to print it with. When a line of
// its snippet (the lines of its subject and context) is too long, they
// are a copy of diag pointing into a stand-in for its file, which holds
// the snippet's lines, cut, at their line numbers.
func clipSnippet(diag *hcl.Diagnostic, files map[string]*hcl.File) (*hcl.Diagnostic, map[string]*hcl.File) {
	if diag.Subject == nil {
		return diag, files
	}
	f := files[diag.Subject.Filename]
	if f == nil || f.Bytes == nil {
		return diag, files
	}
	snip := *diag.Subject
	if diag.Context != nil {
		snip = hcl.RangeOver(snip, *diag.Context)
	}
	lines := snippetLines(f.Bytes, snip)
	if !anyLong(lines) {
		return diag, files
	}
	stand := &cutSource{lines: lines}
	src := stand.build(f.Bytes, diag.Subject.Start.Byte, snip.Start.Line)
	clipped := *diag
	subject := stand.mapRange(*diag.Subject)
	clipped.Subject = &subject
	if diag.Context != nil {
		ctx := stand.mapRange(*diag.Context)
		clipped.Context = &ctx
	}
	var label fixedContext
	if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
		label = fixedContext(nav.ContextString(diag.Subject.Start.Byte))
	}
	return &clipped, map[string]*hcl.File{diag.Subject.Filename: {Bytes: src, Nav: label}}
}

// fixedContext is the Nav of a stand-in file: the context ("in task …")
// of the diagnostic's place in the real file.
type fixedContext string

// ContextString returns the context, wherever offset is.
func (c fixedContext) ContextString(int) string { return string(c) }

// srcLine is a line of a snippet: the byte offsets of its start and end
// (without the line end) in the source, and of the part of it that is
// shown.
type srcLine struct {
	start, end int
	from, to   int
	at         int // where the shown part starts in the stand-in
}

// snippetLines returns the lines of src that rng touches.
func snippetLines(src []byte, rng hcl.Range) []srcLine {
	start := bytes.LastIndexByte(src[:min(rng.Start.Byte, len(src))], '\n') + 1
	var lines []srcLine
	for start <= len(src) {
		end := len(src)
		if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
			end = start + i
		}
		lines = append(lines, srcLine{start: start, end: end, from: start, to: end})
		if end >= rng.End.Byte || end == len(src) {
			break
		}
		start = end + 1
	}
	return lines
}

// anyLong reports whether a line is longer than maxSnippetLine.
func anyLong(lines []srcLine) bool {
	for _, l := range lines {
		if l.end-l.start > maxSnippetLine {
			return true
		}
	}
	return false
}

// cutSource is the stand-in source of a snippet whose long lines are cut.
type cutSource struct {
	lines []srcLine
}

// build returns the stand-in: as many empty lines as come before the
// snippet's first line, then each line of the snippet, a long one cut to
// maxSnippetLine bytes from snippetLead bytes before at (the subject's
// start), or from its start when at is not on it.
func (c *cutSource) build(src []byte, at, firstLine int) []byte {
	var b bytes.Buffer
	b.Write(bytes.Repeat([]byte{'\n'}, max(firstLine-1, 0)))
	for i := range c.lines {
		l := &c.lines[i]
		if l.end-l.start > maxSnippetLine {
			from := l.start
			if at >= l.start && at <= l.end {
				from = max(l.start, at-snippetLead)
			}
			l.from = runeStart(src, from, l.start)
			l.to = runeStart(src, min(l.end, l.from+maxSnippetLine), l.from)
		}
		if l.from > l.start {
			b.WriteString(ellipsis)
		}
		l.at = b.Len()
		b.Write(src[l.from:l.to])
		if l.to < l.end {
			b.WriteString(ellipsis)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// runeStart moves offset back to the start of the UTF-8 sequence it is
// in, not before floor.
func runeStart(src []byte, offset, floor int) int {
	for offset > floor && offset < len(src) && !utf8.RuneStart(src[offset]) {
		offset--
	}
	return offset
}

// mapRange returns the range of the stand-in that shows rng: each end
// moved into the shown part of its line.
func (c *cutSource) mapRange(rng hcl.Range) hcl.Range {
	rng.Start = c.mapPos(rng.Start)
	rng.End = c.mapPos(rng.End)
	return rng
}

// mapPos returns the position of the stand-in that shows p.
func (c *cutSource) mapPos(p hcl.Pos) hcl.Pos {
	for i, l := range c.lines {
		if p.Byte <= l.end || i == len(c.lines)-1 {
			off := min(max(p.Byte, l.from), l.to) - l.from
			p.Byte = l.at + off
			p.Column = off + 1
			return p
		}
	}
	return p
}

package lang

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// Limits that keep absurd input from exhausting the parser's and the
// evaluator's recursion. No sensible playbook comes near them.
const (
	// maxNesting bounds the depth of brackets, braces, parentheses,
	// quotes and template sequences.
	maxNesting = 100
	// maxOperators bounds the operators (and index brackets and template
	// directives) of a single expression, each of which may add a level
	// of recursion.
	maxOperators = 10000
)

// CheckNesting refuses HCL native syntax that nests deeper, or chains more
// operators in one expression, than the limits allow. template is true for
// a bare template (such as a templatefile), false for a config file or an
// expression. It scans the bytes once, knowing just enough of the syntax
// (comments, quoted and heredoc templates, interpolations) to count
// nesting as the parser will see it.
func CheckNesting(src []byte, filename string, template bool) hcl.Diagnostics {
	sc := nestScanner{src: src}
	if template {
		sc.stack = append(sc.stack, frame{kind: 't'})
	}
	summary, detail := sc.scan()
	if summary == "" {
		return nil
	}
	return limitDiag(summary, detail, posRange(src, filename, sc.i))
}

// frame is an open construct: a bracket '(', '[' or '{'; a quoted
// template '"'; a heredoc 'h' (with its end marker); an interpolation or
// directive 'i'; or the bare template 't' at the bottom of a template
// file.
type frame struct {
	kind   byte
	marker string
}

// nestScanner scans HCL native syntax for nesting depth.
type nestScanner struct {
	src   []byte
	i     int
	stack []frame
	ops   int
}

// scan returns the summary and detail of the first limit exceeded, or
// empty strings.
func (sc *nestScanner) scan() (summary, detail string) {
	for sc.i < len(sc.src) {
		start := sc.i
		var opened bool
		switch top := sc.top(); top {
		case '"', 'h', 't':
			opened = sc.templateStep(top)
		default:
			opened = sc.codeStep()
		}
		if opened && sc.depth() > maxNesting {
			sc.i = start
			return "Nesting too deep", fmt.Sprintf("Brackets, braces, quotes and templates may nest at most %d levels deep.", maxNesting)
		}
		if sc.ops > maxOperators {
			sc.i = start
			return "Expression too complex", fmt.Sprintf("An expression may hold at most %d operators.", maxOperators)
		}
	}
	return "", ""
}

// top returns the kind of the innermost open construct, 0 for none.
func (sc *nestScanner) top() byte {
	if len(sc.stack) == 0 {
		return 0
	}
	return sc.stack[len(sc.stack)-1].kind
}

// depth returns the nesting depth, the bare template not counted.
func (sc *nestScanner) depth() int {
	if len(sc.stack) > 0 && sc.stack[0].kind == 't' {
		return len(sc.stack) - 1
	}
	return len(sc.stack)
}

// push opens a construct.
func (sc *nestScanner) push(kind byte, marker string) bool {
	sc.stack = append(sc.stack, frame{kind: kind, marker: marker})
	return true
}

// pop closes the innermost construct, unless it is the bare template.
func (sc *nestScanner) pop() {
	if n := len(sc.stack); n > 0 && sc.stack[n-1].kind != 't' {
		sc.stack = sc.stack[:n-1]
	}
}

// at reports whether the source continues with s at the scan position.
func (sc *nestScanner) at(s string) bool { return bytes.HasPrefix(sc.src[sc.i:], []byte(s)) }

// codeStep scans one step of expression or body syntax and reports
// whether it opened a construct.
func (sc *nestScanner) codeStep() bool {
	c := sc.src[sc.i]
	switch {
	case c == '#' || c == '/' && sc.at("//"):
		for sc.i < len(sc.src) && sc.src[sc.i] != '\n' {
			sc.i++
		}
		return false
	case c == '/' && sc.at("/*"):
		end := bytes.Index(sc.src[sc.i+2:], []byte("*/"))
		if end < 0 {
			sc.i = len(sc.src)
		} else {
			sc.i += end + 4
		}
		return false
	case c == '"':
		sc.i++
		return sc.push('"', "")
	case c == '<' && sc.at("<<"):
		if marker, n := heredocStart(sc.src[sc.i:]); n > 0 {
			sc.i += n
			return sc.push('h', marker)
		}
		sc.i += 2
		sc.ops++
		return false
	case c == '(' || c == '[' || c == '{':
		sc.i++
		if c == '[' {
			sc.ops++
		}
		return sc.push(c, "")
	case c == ')' || c == ']' || c == '}':
		sc.i++
		sc.pop()
	case c == '\n':
		sc.i++
		if t := sc.top(); t == 0 || t == '{' {
			sc.ops = 0 // a newline in a body or an object ends an item
		}
	case strings.IndexByte("+-*/%!?<>=&|", c) >= 0:
		sc.i++
		sc.ops++
	default:
		sc.i++
	}
	return false
}

// templateStep scans one step of a template of the given kind and
// reports whether it opened a construct.
func (sc *nestScanner) templateStep(kind byte) bool {
	if kind == 'h' && (sc.i == 0 || sc.src[sc.i-1] == '\n') {
		line := sc.src[sc.i:]
		if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl]
		}
		if string(bytes.TrimSpace(line)) == sc.stack[len(sc.stack)-1].marker {
			sc.i += len(line)
			sc.pop()
			return false
		}
	}
	c := sc.src[sc.i]
	switch {
	case kind == '"' && c == '\\':
		sc.i += 2
	case kind == '"' && (c == '"' || c == '\n'):
		sc.i++
		sc.pop()
	case (c == '$' || c == '%') && (sc.at("$${") || sc.at("%%{")):
		sc.i += 3
	case (c == '$' || c == '%') && (sc.at("${") || sc.at("%{")):
		if c == '%' {
			sc.ops++
		}
		sc.i += 2
		return sc.push('i', "")
	default:
		sc.i++
	}
	return false
}

// heredocStart recognizes the start of a heredoc, <<MARKER or <<-MARKER
// followed by a newline, and returns the marker and the length of the
// introducer without the newline.
func heredocStart(src []byte) (string, int) {
	n := 2
	if n < len(src) && src[n] == '-' {
		n++
	}
	start := n
	for n < len(src) && (src[n] == '_' || src[n] == '-' || src[n] >= 'a' && src[n] <= 'z' || src[n] >= 'A' && src[n] <= 'Z' || src[n] >= '0' && src[n] <= '9' && n > start) {
		n++
	}
	end := n
	if n < len(src) && src[n] == '\r' {
		n++
	}
	if end == start || n >= len(src) || src[n] != '\n' {
		return "", 0
	}
	return string(src[start:end]), n
}

// posRange returns the range of the character at offset i of src.
func posRange(src []byte, filename string, i int) hcl.Range {
	i = min(i, len(src))
	line := 1 + bytes.Count(src[:i], []byte("\n"))
	lineStart := bytes.LastIndexByte(src[:i], '\n') + 1
	pos := hcl.Pos{Line: line, Column: 1 + utf8.RuneCount(src[lineStart:i]), Byte: i}
	return hcl.Range{Filename: filename, Start: pos, End: pos}
}

// CheckJSONNesting refuses JSON nested deeper than maxNesting, and checks
// each string that holds a template as CheckNesting would.
func CheckJSONNesting(src []byte, filename string) hcl.Diagnostics {
	depth := 0
	line, col := 1, 1
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '\n':
			line, col = line+1, 0
		case '[', '{':
			depth++
			if depth > maxNesting {
				pos := hcl.Pos{Line: line, Column: col, Byte: i}
				return limitDiag("Nesting too deep", fmt.Sprintf("Arrays and objects may nest at most %d levels deep.", maxNesting), hcl.Range{Filename: filename, Start: pos, End: pos})
			}
		case ']', '}':
			depth--
		case '"':
			end := jsonStringEnd(src, i)
			if diags := checkJSONTemplate(src[i:end], filename); diags != nil {
				pos := hcl.Pos{Line: line, Column: col, Byte: i}
				diags[0].Subject = &hcl.Range{Filename: filename, Start: pos, End: pos}
				return diags
			}
			col += end - i - 1
			i = end - 1
		}
		col++
	}
	return nil
}

// jsonStringEnd returns the index just past the JSON string starting at
// src[start], or len(src) when it is not closed.
func jsonStringEnd(src []byte, start int) int {
	for i := start + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(src)
}

// checkJSONTemplate checks a JSON string literal that holds a template.
func checkJSONTemplate(lit []byte, filename string) hcl.Diagnostics {
	if !strings.Contains(string(lit), "{") {
		return nil
	}
	var s string
	if json.Unmarshal(lit, &s) != nil {
		return nil // the JSON parser reports it
	}
	return CheckNesting([]byte(s), filename, true)
}

// limitDiag returns the diagnostic for input beyond a limit.
func limitDiag(summary, detail string, rng hcl.Range) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}}
}

package lang

import (
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// markName is the type of the marks this package puts on values.
type markName string

// sensitiveMark is the cty mark carried by every sensitive value: the
// values of variables declared sensitive, host passwords, and module
// outputs tagged sensitive:"true". Marks follow a value through every
// expression and function that uses it.
const sensitiveMark = markName("sensitive")

// RedactedText replaces a sensitive value wherever it would be shown.
const RedactedText = "(sensitive)"

// MarkSensitive returns v carrying the sensitive mark.
func MarkSensitive(v cty.Value) cty.Value { return v.Mark(sensitiveMark) }

// StringsIn appends every non-empty string found in v, at any depth, to
// dst, and every number as a string shows it.
func StringsIn(v cty.Value, dst []string) []string {
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() || v.IsNull() {
		return dst
	}
	switch {
	case v.Type() == cty.String:
		if s := v.AsString(); s != "" {
			dst = append(dst, s)
		}
	case v.Type() == cty.Number:
		if s, err := convert.Convert(v, cty.String); err == nil {
			dst = append(dst, s.AsString())
		}
	case v.CanIterateElements():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			dst = StringsIn(e, dst)
		}
	}
	return dst
}

// UnmarkSecrets removes every mark from v and returns the plain value with
// the strings that were under a sensitive mark.
func UnmarkSecrets(v cty.Value) (cty.Value, []string) {
	plain, paths := v.UnmarkDeepWithPaths()
	var secrets []string
	for _, pm := range paths {
		sub, err := pm.Path.Apply(plain)
		if err == nil {
			secrets = StringsIn(sub, secrets)
		}
	}
	return plain, secrets
}

// minSecretPiece is the length from which a piece of a secret is hidden
// wherever it appears: a line of a secret of several lines, or a line of
// text found inside a secret. Shorter pieces (a closing brace, the last
// few characters of a base64 block) are hidden only where they stand
// alone, since hiding them inside every text would garble it.
const minSecretPiece = 8

// Redactor replaces every known secret in a text by RedactedText.
// Secrets are added as they become known (sensitive outputs appear only as
// tasks finish); it is safe for concurrent use.
//
// The rule, for each line of a text (a line of output, or a line of an
// error or an output value):
//
//   - a secret, and each line of it (with the white space around it
//     trimmed, so that CRLF or an indentation makes no difference), is
//     replaced wherever it appears, as it is and as Go quotes it, except
//     a line shorter than minSecretPiece of a secret that has several
//     lines;
//   - a line that, trimmed, is a line of a secret (of any length), or has
//     at least minSecretPiece characters and appears inside a secret, is
//     replaced whole. So is such an item of a line that lists others
//     joined by "; ", as error messages list the lines a command wrote.
//
// A secret that is only white space is ignored: replacing it would
// garble every text.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
	rules   *redaction
}

// redaction is the replacements of one set of secrets; it does not
// change once built.
type redaction struct {
	replacer *strings.Replacer
	lines    map[string]bool // every trimmed line of every secret
	edges    []string        // the texts replaced anywhere of minSecretPiece bytes or more
	lead     map[uint64]bool // every minSecretPiece-byte substring of a secret line
	secrets  []string
}

// Add records secrets; those of white space only are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	grew := false
	for _, s := range secrets {
		if strings.TrimSpace(s) != "" && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
			grew = true
		}
	}
	if grew {
		r.rules = newRedaction(slices.Clone(r.secrets))
	}
}

// newRedaction builds the replacements of secrets.
func newRedaction(secrets []string) *redaction {
	x := &redaction{lines: map[string]bool{}, lead: map[uint64]bool{}, secrets: secrets}
	anywhere := slices.Clone(secrets)
	for _, s := range secrets {
		lines := secretLines(s)
		for _, line := range lines {
			x.lines[line] = true
			if len(lines) == 1 || len(line) >= minSecretPiece {
				anywhere = append(anywhere, line)
			}
			for i := 0; i+minSecretPiece <= len(line); i++ {
				x.lead[pieceKey(line[i:])] = true
			}
		}
	}
	// Each text also as Go quotes it (%q in an error), when that differs.
	for _, s := range anywhere {
		if q := strconv.Quote(s); q[1:len(q)-1] != s {
			anywhere = append(anywhere, q[1:len(q)-1])
		}
	}
	// Longer texts first, so that a secret that contains another is
	// replaced whole.
	slices.SortFunc(anywhere, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	anywhere = slices.Compact(anywhere)
	for _, s := range anywhere {
		if len(s) >= minSecretPiece {
			x.edges = append(x.edges, s)
		}
	}
	pairs := make([]string, 0, 2*len(anywhere))
	for _, s := range anywhere {
		pairs = append(pairs, s, RedactedText)
	}
	x.replacer = strings.NewReplacer(pairs...)
	return x
}

// secretLines returns the lines of s, trimmed of white space, without the
// empty ones.
func secretLines(s string) []string {
	var lines []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// pieceKey returns the first minSecretPiece bytes of s, which has at
// least that many, as a map key.
func pieceKey(s string) uint64 { return binary.LittleEndian.Uint64([]byte(s[:minSecretPiece])) }

// Redact returns s with every secret replaced.
func (r *Redactor) Redact(s string) string {
	r.mu.RLock()
	x := r.rules
	r.mu.RUnlock()
	if x == nil || s == "" {
		return s
	}
	s = x.replacer.Replace(s)
	if !strings.Contains(s, "\n") {
		return x.line(s) // most texts are one line of output
	}
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = x.line(line)
	}
	return strings.Join(lines, "\n")
}

// line applies the rules for whole lines, for the ends of lines and for
// the items of a list joined by "; " to one line of a text.
func (x *redaction) line(line string) string {
	if x.isPiece(line) {
		return RedactedText
	}
	line = x.cutEdges(line)
	if !strings.Contains(line, "; ") {
		return line
	}
	items := strings.Split(line, "; ")
	for i, item := range items {
		if x.isPiece(item) {
			items[i] = RedactedText
		}
	}
	return strings.Join(items, "; ")
}

// cutEdges replaces the end of line when it is the start of a secret (or
// of a line of one), and the start of line when it is the end of one,
// from minSecretPiece bytes: a line too long to be sent whole reaches the
// redactor in pieces, and a secret may be cut in two between them.
func (x *redaction) cutEdges(line string) string {
	for _, s := range x.edges {
		if k := overlap(line, s); k >= minSecretPiece {
			line = line[:len(line)-k] + RedactedText
		}
		if k := overlap(s, line); k >= minSecretPiece {
			line = RedactedText + line[k:]
		}
	}
	return line
}

// overlap returns the length of the longest end of a that is a start of
// b, shorter than b and at least minSecretPiece bytes long, or 0.
func overlap(a, b string) int {
	if len(b) < minSecretPiece {
		return 0
	}
	head := b[:minSecretPiece]
	for i := max(0, len(a)-len(b)+1); ; i++ {
		j := strings.Index(a[i:], head)
		if j < 0 {
			return 0
		}
		if i += j; strings.HasPrefix(b, a[i:]) {
			return len(a) - i
		}
	}
}

// isPiece reports whether text, trimmed, is a line of a secret or a text
// of at least minSecretPiece characters found inside a secret.
func (x *redaction) isPiece(text string) bool {
	text = strings.TrimSpace(text)
	if text == "" || text == RedactedText {
		return false
	}
	if x.lines[text] {
		return true
	}
	if len(text) < minSecretPiece || !x.lead[pieceKey(text)] {
		return false
	}
	return slices.ContainsFunc(x.secrets, func(s string) bool { return strings.Contains(s, text) })
}

// Secrets returns the secrets recorded so far.
func (r *Redactor) Secrets() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.secrets)
}

// RedactDiags rewrites the texts of diags so that no secret appears in
// them.
func (r *Redactor) RedactDiags(diags hcl.Diagnostics) {
	for _, d := range diags {
		d.Summary = r.Redact(d.Summary)
		d.Detail = r.Redact(d.Detail)
	}
}

// scrubDiags removes the expression and evaluation context from every
// diagnostic whose expression reads a sensitive value, so that a
// diagnostic printer cannot show the value.
func scrubDiags(diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Expression != nil && d.EvalContext != nil && readsSensitive(d.Expression, d.EvalContext) {
			d.Expression = nil
			d.EvalContext = nil
		}
	}
}

// readsSensitive reports whether expr refers to a value of ctx that is or
// contains a sensitive value.
func readsSensitive(expr hcl.Expression, ctx *hcl.EvalContext) bool {
	for _, t := range expr.Variables() {
		v, diags := t.TraverseAbs(ctx)
		if !diags.HasErrors() && v.ContainsMarked() {
			return true
		}
	}
	return false
}

// Eval evaluates expr in ctx and scrubs the diagnostics of sensitive
// values.
func Eval(expr hcl.Expression, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	v, diags := expr.Value(ctx)
	scrubDiags(diags)
	return v, diags
}

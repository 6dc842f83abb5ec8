package exec

import (
	"strings"
	"testing"
)

// TestLineTailBounds checks that the stderr tail of an instance keeps its
// last lines within tailLines and, beyond the last line, tailBytes.
func TestLineTailBounds(t *testing.T) {
	var tl lineTail
	for i := range 30 {
		tl.add(strings.Repeat(string(rune('a'+i%26)), 1000))
	}
	if n := len(tl.lines); n != tailBytes/1000 || !strings.HasSuffix(tl.String(), strings.Repeat("d", 1000)) {
		t.Errorf("%d lines of 1000 bytes kept, ending %q", n, tl.String()[len(tl.String())-3:])
	}
	for range 30 {
		tl.add("short")
	}
	if n := len(tl.lines); n != tailLines {
		t.Errorf("%d short lines kept, want %d", n, tailLines)
	}
	long := strings.Repeat("x", 64<<10)
	tl.add(long)
	if tl.String() != long {
		t.Errorf("after a long line, %d lines of %d bytes kept", len(tl.lines), tl.bytes)
	}
}

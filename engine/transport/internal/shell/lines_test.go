package shell

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

func TestLinesSplitsAcrossWrites(t *testing.T) {
	var got []string
	l := NewLines(func(line string) { got = append(got, line) })
	for _, chunk := range []string{"a", "b\nc", "\r\n\nd\n", "tail"} {
		if _, err := l.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	l.Flush()
	if want := `["ab" "c" "" "d" "tail"]`; fmt.Sprintf("%q", got) != want {
		t.Fatalf("lines %q, want %s", got, want)
	}
	if string(l.Bytes()) != "ab\nc\r\n\nd\ntail" {
		t.Fatalf("bytes %q", l.Bytes())
	}
}

func TestLinesReadFrom(t *testing.T) {
	input := strings.Repeat("0123456789abcdefghij\n", 5000) + "tail"
	for name, r := range map[string]io.Reader{
		"whole":    strings.NewReader(input),
		"one byte": iotest.OneByteReader(strings.NewReader(input)),
		"half":     iotest.HalfReader(strings.NewReader(input)),
	} {
		lines := 0
		l := NewLines(func(string) { lines++ })
		n, err := io.Copy(l, r)
		l.Flush()
		if err != nil || n != int64(len(input)) || string(l.Bytes()) != input || lines != 5001 {
			t.Errorf("%s: copied %d (%v), kept %d bytes, %d lines; want %d bytes, 5001 lines", name, n, err, len(l.Bytes()), lines, len(input))
		}
	}
	want := errors.New("broken")
	if _, err := io.Copy(NewLines(nil), iotest.ErrReader(want)); !errors.Is(err, want) {
		t.Errorf("read error: got %v, want %v", err, want)
	}
}

// sizesReader reads from r and records the size of each buffer it is
// given.
type sizesReader struct {
	r     io.Reader
	sizes []int
}

func (s *sizesReader) Read(p []byte) (int, error) {
	s.sizes = append(s.sizes, len(p))
	return s.r.Read(p)
}

// TestSessionWritersReadSmallChunks checks that io.Copy into each writer
// a session's output is copied to reads through the writer's own
// ReadFrom, in a buffer that starts small, rather than in the 32 KiB
// buffer io.Copy makes otherwise: one per stream of every command, which
// adds up over thousands of hosts.
func TestSessionWritersReadSmallChunks(t *testing.T) {
	h := &Handshake{Stderr: NewLines(nil)}
	for name, w := range map[string]io.Writer{
		"Lines":     NewLines(nil),
		"Handshake": h,
		"Preamble":  h.Stdout(NewLines(nil)),
	} {
		r := &sizesReader{r: strings.NewReader("x\n")}
		if _, err := io.Copy(w, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(r.sizes) == 0 || r.sizes[0] != minChunk {
			t.Errorf("%s: read into buffers of %v bytes, want %d first", name, r.sizes, minChunk)
		}
	}
}

// TestLinesKeepsTail checks that a Lines with a limit keeps the last
// whole lines that fit in it, whatever the sizes of the writes, and still
// emits every line.
func TestLinesKeepsTail(t *testing.T) {
	var all strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&all, "line %d\n", i)
	}
	input := all.String()
	for _, limit := range []int{0, 1, 100, 4096, len(input) - 1, len(input)} {
		for _, chunk := range []int{1, 7, 4096, len(input)} {
			lines := 0
			l := StreamLines(func(string, string) { lines++ }, "out", limit)
			for p := input; p != ""; p = p[min(chunk, len(p)):] {
				l.Write([]byte(p[:min(chunk, len(p))]))
			}
			l.Flush()
			want := input
			if len(input) > limit {
				want = input[len(input)-limit:]
				if i := strings.IndexByte(want, '\n'); input[len(input)-limit-1] != '\n' && i < len(want)-1 {
					want = want[i+1:]
				}
			}
			if got := string(l.Bytes()); got != want || l.Truncated() != (limit < len(input)) || lines != 10000 {
				t.Errorf("limit %d, writes of %d: kept %d bytes (truncated %v), %d lines; want %d bytes, 10000 lines",
					limit, chunk, len(got), l.Truncated(), lines, len(want))
			}
		}
	}
}

// TestLinesLongLine checks that a line longer than MaxLine is emitted in
// pieces cut between characters, and that the tail of a stream without
// line endings starts with a whole character.
func TestLinesLongLine(t *testing.T) {
	line := strings.Repeat("é", MaxLine) // 2 bytes each
	var pieces []string
	l := StreamLines(func(_ string, s string) { pieces = append(pieces, s) }, "out", 1001)
	for _, p := range []string{"a", line, line + "\nb", line} {
		l.Write([]byte(p))
	}
	l.Flush()
	joined := strings.Join(pieces, "")
	for _, p := range pieces {
		if len(p) > MaxLine || !utf8.ValidString(p) {
			t.Fatalf("a piece of %d bytes, valid UTF-8: %v", len(p), utf8.ValidString(p))
		}
	}
	if joined != "a"+line+line+"b"+line || len(pieces) != 8 {
		t.Errorf("%d pieces of %d bytes in all", len(pieces), len(joined))
	}
	if kept := l.Bytes(); len(kept) != 1000 || !utf8.Valid(kept) || !l.Truncated() {
		t.Errorf("kept %d bytes, valid UTF-8: %v, truncated: %v", len(kept), utf8.Valid(kept), l.Truncated())
	}
}

func TestHandshakeReadFrom(t *testing.T) {
	stderr := NewLines(nil)
	h := &Handshake{Stderr: stderr}
	if _, err := io.Copy(h, iotest.OneByteReader(strings.NewReader("early\n"+h.marker()+" 42\nafter\n"))); err != nil {
		t.Fatal(err)
	}
	if h.Group() != "42" || string(stderr.Bytes()) != "after\n" {
		t.Fatalf("group %q stderr %q", h.Group(), stderr.Bytes())
	}
}

package shell

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
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

func TestHandshakeReadFrom(t *testing.T) {
	stderr := NewLines(nil)
	h := &Handshake{Stderr: stderr}
	if _, err := io.Copy(h, iotest.OneByteReader(strings.NewReader("early\n"+readyMarker+" 42\nafter\n"))); err != nil {
		t.Fatal(err)
	}
	if h.Group() != "42" || string(stderr.Bytes()) != "after\n" {
		t.Fatalf("group %q stderr %q", h.Group(), stderr.Bytes())
	}
}

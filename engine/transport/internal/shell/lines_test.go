package shell

import (
	"fmt"
	"testing"
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

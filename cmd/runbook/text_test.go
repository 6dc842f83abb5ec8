package main

import (
	"testing"
	"time"
)

func TestCutToWidth(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  string
	}{
		{"hello", 0, "hello"},
		{"hello", 6, "hello"},
		{"hello", 5, "hell"},
		{"héllo wörld", 4, "hél"},
		{"\x1b[31mred\x1b[0m text", 3, "\x1b[31mre\x1b[0m"},
		{"\x1b[31mred\x1b[0m", 10, "\x1b[31mred\x1b[0m"},
	}
	for _, c := range cases {
		if got := cutToWidth(c.in, c.width); got != c.want {
			t.Errorf("cutToWidth(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	cases := map[time.Duration]string{
		340 * time.Millisecond:  "340ms",
		1200 * time.Millisecond: "1.2s",
		125 * time.Second:       "2m05s",
	}
	for d, want := range cases {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestFirstSentence(t *testing.T) {
	cases := map[string]string{
		"Runs a command. Fails when it fails.": "Runs a command.",
		"Waits for\n  a port.":                 "Waits for a port.",
		"Reads v1.2 of the file":               "Reads v1.2 of the file",
	}
	for doc, want := range cases {
		if got := firstSentence(doc); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", doc, got, want)
		}
	}
}

func TestSplitList(t *testing.T) {
	got := splitList(" db1, ,web ,")
	if len(got) != 2 || got[0] != "db1" || got[1] != "web" {
		t.Errorf("splitList = %q", got)
	}
}

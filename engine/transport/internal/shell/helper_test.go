package shell

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/runbookhq/runbook/internal/testenv"
)

// TestMarkedSplitsAtMarkers reads a stream one byte at a time, so that
// every marker arrives in pieces, with output that begins like a marker:
// each part goes where it belongs, and nothing is held back once no
// marker can start in it.
func TestMarkedSplitsAtMarkers(t *testing.T) {
	mark := NewMarker()
	first := "runbook-end-\x00\xff" + mark[:len(mark)-1] + "x"
	stream := first + mark + " 143\n" + "second" + mark
	m := NewMarked(iotest.OneByteReader(strings.NewReader(stream)))
	var out bytes.Buffer
	if err := m.CopyUntil(mark, &out); err != nil || out.String() != first {
		t.Fatalf("first: %v, %q; want %q", err, out.String(), first)
	}
	line, err := m.Line()
	if err != nil || line != " 143" {
		t.Fatalf("line %q, %v", line, err)
	}
	out.Reset()
	if err := m.CopyUntil(mark, &out); err != nil || out.String() != "second" || m.Pending() {
		t.Fatalf("second: %v, %q, pending %v", err, out.String(), m.Pending())
	}
	if err := m.CopyUntil(mark, &out); !errors.Is(err, ErrHelperEnded) {
		t.Fatalf("after the end: %v, want ErrHelperEnded", err)
	}
}

// TestMarkedPassesLinesAtOnce checks that a line is passed on as soon as
// it has arrived, before any marker.
func TestMarkedPassesLinesAtOnce(t *testing.T) {
	r, w := io.Pipe()
	m := NewMarked(r)
	mark := NewMarker()
	got := make(chan string, 1)
	go func() {
		_ = m.CopyUntil(mark, writerFunc(func(p []byte) { got <- string(p) }))
	}()
	w.Write([]byte("started\n"))
	if s := <-got; s != "started\n" {
		t.Fatalf("passed %q, want the line", s)
	}
	w.Close()
}

func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		in     string
		code   int
		signal string
	}{{"0", 0, ""}, {"7", 7, ""}, {"128", 128, ""}, {"143", 143, ""}, {"signal 15", -1, "TERM"}, {"signal 9", -1, "KILL"}, {"signal 40", -1, "40"}, {"200", 200, ""}} {
		code, signal, err := ParseStatus(tc.in)
		if err != nil || code != tc.code || signal != tc.signal {
			t.Errorf("%s: %d %q %v, want %d %q", tc.in, code, signal, err, tc.code, tc.signal)
		}
	}
	for _, bad := range []string{"", "x", "-1", "256", "signal", "signal 0", "signal 65", "signal x"} {
		if _, _, err := ParseStatus(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// writerFunc passes each write to a function.
type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) {
	f(bytes.Clone(p))
	return len(p), nil
}

// TestHelperWithoutProc starts a helper in a mount namespace of its own
// whose /proc is an empty file system: its ready line says that it has no
// usable /proc/PID/fd, and it ends, so that the host takes sessions.
func TestHelperWithoutProc(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "this test needs root, to mount over /proc in a namespace of its own")
	}
	unshare := testenv.Need(t, "unshare")
	testenv.Need(t, "perl")
	ready := NewMarker()
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "/bin/sh", "-c", `mount -t tmpfs none /proc && eval "$1"`, "sh", HelperLine(ready))
	out, err := cmd.Output()
	if want := "\n" + ready + " no usable /proc/PID/fd\n"; err != nil || string(out) != want {
		t.Fatalf("the helper: %v, stdout %q, want %q", err, out, want)
	}
}

package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"sync"

	"golang.org/x/term"
)

// Terminal control sequences the live view uses.
const (
	hideCursor = "\x1b[?25l"
	showCursor = "\x1b[?25h"
	clearBelow = "\x1b[J"
)

// console serialises everything written to the person's screen: the lines a
// renderer prints, the live lines it redraws in place below them, and the
// questions and warnings that interrupt both. Whatever is printed goes
// above the live lines, which are erased first and redrawn after.
type console struct {
	mu    sync.Mutex
	out   *os.File        // standard output
	live  func() []string // the live lines to draw, or nil when there are none
	drawn int             // how many live lines are on the screen
}

func newConsole(out *os.File) *console {
	return &console{out: out}
}

// setLive installs the function that returns the live lines; nil removes
// them from the screen.
func (c *console) setLive(live func() []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var buf bytes.Buffer
	c.erase(&buf)
	c.live = live
	if live == nil {
		buf.WriteString(showCursor)
	} else {
		buf.WriteString(hideCursor)
		c.draw(&buf)
	}
	_, _ = c.out.Write(buf.Bytes())
}

// redraw draws the live lines again, for a view whose clock moved on.
func (c *console) redraw() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		return
	}
	var buf bytes.Buffer
	c.erase(&buf)
	c.draw(&buf)
	_, _ = c.out.Write(buf.Bytes())
}

// print writes p to standard output above the live lines.
func (c *console) print(p []byte) {
	c.interrupt(func() { _, _ = c.out.Write(p) })
}

// printTo writes p to w (standard error, usually) above the live lines.
func (c *console) printTo(w io.Writer, p []byte) {
	c.interrupt(func() { _, _ = w.Write(p) })
}

// interrupt runs fn with the live lines erased and the cursor shown, so that
// fn can print or ask a question; the live lines come back afterwards.
// Nothing else is written to the screen while fn runs.
func (c *console) interrupt(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live != nil {
		var buf bytes.Buffer
		c.erase(&buf)
		buf.WriteString(showCursor)
		_, _ = c.out.Write(buf.Bytes())
	}
	fn()
	if c.live != nil {
		var buf bytes.Buffer
		buf.WriteString(hideCursor)
		c.draw(&buf)
		_, _ = c.out.Write(buf.Bytes())
	}
}

// erase moves the cursor to the first live line and clears the screen
// below it.
func (c *console) erase(buf *bytes.Buffer) {
	if c.drawn == 0 {
		return
	}
	buf.WriteString("\r\x1b[")
	buf.WriteString(strconv.Itoa(c.drawn))
	buf.WriteString("A")
	buf.WriteString(clearBelow)
	c.drawn = 0
}

// draw writes the live lines, each cut to the terminal's width so that none
// wraps and the count of lines to erase stays right.
func (c *console) draw(buf *bytes.Buffer) {
	width := 0
	if w, _, err := term.GetSize(int(c.out.Fd())); err == nil {
		width = w
	}
	for _, line := range c.live() {
		buf.WriteString(cutToWidth(line, width))
		buf.WriteString("\n")
		c.drawn++
	}
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// colorOn reports whether what is written to f may be coloured: f is a
// terminal, and neither --no-color nor NO_COLOR says otherwise.
func (c *cli) colorOn(f *os.File, noColor bool) bool {
	return !noColor && c.getenv("NO_COLOR") == "" && isTerminal(f)
}

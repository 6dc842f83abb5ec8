package main

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Colours of the text output, as SGR parameters.
const (
	colorRed    = "31"
	colorGreen  = "32"
	colorYellow = "33"
	colorCyan   = "36"
	colorBold   = "1"
	colorDim    = "2"
)

// palette paints text in colours when it is on.
type palette bool

// paint returns s in the colour code, or s itself when the palette is off.
func (p palette) paint(code, s string) string {
	if !p || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// cutToWidth shortens s to fewer than width visible columns (counting a
// rune as one column and escape sequences as none); width 0 means no limit.
func cutToWidth(s string, width int) string {
	if width <= 0 {
		return s
	}
	visible, escaped := 0, false
	for i := 0; i < len(s); {
		if s[i] == '\x1b' {
			end := strings.IndexFunc(s[i+1:], func(r rune) bool { return r >= '@' && r <= '~' && r != '[' })
			if end < 0 {
				return s
			}
			i += end + 2
			escaped = true
			continue
		}
		if visible == width-1 {
			if escaped {
				return s[:i] + "\x1b[0m"
			}
			return s[:i]
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		visible++
	}
	return s
}

// formatDuration writes d briefly: 340ms, 1.2s, 2m05s.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
}

// plural returns "1 task" or "3 tasks".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// taskLabel names a task's instance on a host where the host is shown
// apart: the task's name, with the instance's key in brackets when the
// task has for_each.
func taskLabel(task, key string) string {
	if key == "" {
		return task
	}
	return task + "[" + key + "]"
}

// instanceError returns msg, the error of the instance of task with key on
// host, without the "task TASK on host HOST: " it starts with, for a line
// that names the task and the host already.
func instanceError(msg, task, key, host string) string {
	return strings.TrimPrefix(msg, "task "+taskLabel(task, key)+" on host "+host+": ")
}

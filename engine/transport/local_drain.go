package transport

import (
	"io"
	"os"
	"os/exec"
	"sync/atomic"
	"time"
)

// drainTick is how often finish looks at a drain that has not ended.
const drainTick = 50 * time.Millisecond

// drain copies what a process writes to one of its output pipes into w,
// from a goroutine of its own. Unlike os/exec's copy under WaitDelay, it
// never drops output that w was slow to take: only a pipe that a process
// left behind keeps open without writing is closed (see finish).
type drain struct {
	r       *os.File
	w       io.Writer
	done    chan struct{}
	reading atomic.Int64 // when the Read in progress began, in Unix nanoseconds; 0 while w is written
}

// newDrain returns a drain of a new pipe into w, and the pipe's write end
// for the process; the caller closes it once the process has started.
func newDrain(w io.Writer) (*drain, *os.File, error) {
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	return &drain{r: r, w: w, done: make(chan struct{})}, pw, nil
}

// run copies until the pipe's end.
func (d *drain) run() {
	defer close(d.done)
	defer d.r.Close()
	buf := make([]byte, 32<<10)
	for {
		d.reading.Store(time.Now().UnixNano())
		n, err := d.r.Read(buf)
		d.reading.Store(0)
		if n > 0 {
			_, _ = d.w.Write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// finish waits, once the process has exited, until everything it wrote
// is copied. A pipe still open with nothing to read for grace (a process
// it started in the background holds it) is closed.
func (d *drain) finish(grace time.Duration) {
	tick := time.NewTicker(drainTick)
	defer tick.Stop()
	for {
		select {
		case <-d.done:
			return
		case <-tick.C:
			if since := d.reading.Load(); since != 0 && time.Since(time.Unix(0, since)) > grace {
				d.r.Close()
				<-d.done
				return
			}
		}
	}
}

// startDrained replaces cmd's standard output and error, when they are
// writers other than files, with pipes drained into them, and starts cmd.
// The caller waits for cmd, then finishes the drains.
func startDrained(cmd *exec.Cmd) ([]*drain, error) {
	var drains []*drain
	var ends []*os.File
	defer func() {
		for _, e := range ends {
			e.Close()
		}
	}()
	for _, out := range []*io.Writer{&cmd.Stdout, &cmd.Stderr} {
		if _, isFile := (*out).(*os.File); *out == nil || isFile {
			continue
		}
		d, end, err := newDrain(*out)
		if err != nil {
			for _, d := range drains {
				d.r.Close()
			}
			return nil, err
		}
		drains, ends, *out = append(drains, d), append(ends, end), end
	}
	if err := cmd.Start(); err != nil {
		for _, d := range drains {
			d.r.Close()
		}
		return nil, err
	}
	for _, d := range drains {
		go d.run()
	}
	return drains, nil
}

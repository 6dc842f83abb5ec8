package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/runbookhq/runbook/engine/transport/dialgate"
)

// statsFlags are the flags that measure a run: a line of figures at its
// end, and Go profiles of runbook itself.
type statsFlags struct {
	stats      bool
	cpuProfile string
	memProfile string
}

func (s *statsFlags) register(fs *flagSet) {
	fs.BoolVar(&s.stats, "stats", false, "At the end, print one line of figures to standard error: connections set up, how many were tried again, the time until the last was set up, and runbook's CPU time and peak memory.")
	fs.StringVar(&s.cpuProfile, "cpuprofile", "", "Write a Go CPU profile of runbook for the run to `FILE` (for go tool pprof).")
	fs.StringVar(&s.memProfile, "memprofile", "", "Write a Go heap profile of runbook at the end of the run to `FILE` (for go tool pprof).")
}

// start starts the CPU profile, if asked; stop ends it.
func (s *statsFlags) start() (stop func(), err error) {
	if s.cpuProfile == "" {
		return func() {}, nil
	}
	f, err := os.Create(s.cpuProfile)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// finish writes the heap profile and the line of figures, as asked, and
// notes connection set-ups that were tried again in the text output w.
func (s *statsFlags) finish(c *cli, w io.Writer, text bool, dials dialgate.Stats) {
	if s.memProfile != "" {
		if err := writeHeapProfile(s.memProfile); err != nil {
			fmt.Fprintf(c.stderr, "runbook: warning: --memprofile: %v\n", err)
		}
	}
	if text && dials.Retries > 0 {
		fmt.Fprintf(w, "%d connection set-ups were refused by hosts busy setting up others (sshd's MaxStartups) and tried again.\n", dials.Retries)
	}
	if !s.stats {
		return
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Fprintf(c.stderr, "runbook: stats: connections=%d failed=%d retried=%d peak_setups=%d setup_s=%.3f cpu_s=%.2f peak_rss_kb=%d\n",
		dials.SetUps, dials.Failed, dials.Retries, dials.Peak, dials.Done.Seconds(), cpu.Seconds(), ru.Maxrss)
}

// writeHeapProfile writes the heap profile to path, after a collection so
// that it shows what is live.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	err = pprof.WriteHeapProfile(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

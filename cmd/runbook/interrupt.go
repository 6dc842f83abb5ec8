package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/runbookhq/runbook/engine"
)

// stopGrace is how long running tasks may go on after the first interrupt
// before they are cancelled.
const stopGrace = 10 * time.Second

// interrupts turns SIGINT and SIGTERM into the end of a run. The first
// signal stops the run gently: no new task starts, a pending question is
// answered no, detached jobs are left running on their hosts, and the
// running tasks may finish for stopGrace, after which the run is
// cancelled. A second signal cancels the run at once; the detached jobs
// are killed only if the person at the terminal confirms it at the end
// of the run (see killDetached).
type interrupts struct {
	// ctx is given to engine.Run; it is cancelled to stop the running
	// tasks.
	ctx    context.Context
	cancel context.CancelFunc
	// stopped is closed at the first signal; it is given to engine.Run as
	// RunOptions.Stop.
	stopped  chan struct{}
	received atomic.Bool
	again    atomic.Bool // a second signal came

	signals  chan os.Signal
	messages chan string
	done     chan struct{}
}

// watchInterrupts starts handling SIGINT and SIGTERM. Messages go to
// standard error through con; they are printed from a goroutine of their
// own so that a question holding the screen cannot delay the stop.
func (c *cli) watchInterrupts(con *console) *interrupts {
	ctx, cancel := context.WithCancel(context.Background())
	in := &interrupts{
		ctx: ctx, cancel: cancel,
		stopped:  make(chan struct{}),
		signals:  make(chan os.Signal, 2),
		messages: make(chan string, 2),
		done:     make(chan struct{}),
	}
	signal.Notify(in.signals, os.Interrupt, syscall.SIGTERM)
	go in.loop()
	go func() {
		for msg := range in.messages {
			con.printTo(c.stderr, []byte(msg))
		}
	}()
	return in
}

func (in *interrupts) loop() {
	var grace *time.Timer
	defer func() {
		if grace != nil {
			grace.Stop()
		}
		close(in.messages)
	}()
	for {
		select {
		case <-in.done:
			return
		case <-in.signals:
			if !in.received.Swap(true) {
				close(in.stopped)
				grace = time.AfterFunc(stopGrace, in.cancel)
				in.say(fmt.Sprintf("stopping: no new tasks; running ones get %s, detached jobs go on; Ctrl-C again to stop now\n", stopGrace))
				continue
			}
			in.again.Store(true)
			in.cancel()
			in.say("stopping now: cancelling the run\n")
		}
	}
}

// say queues msg for printing; with the queue full (a question holds the
// screen and more signals came), it is dropped.
func (in *interrupts) say(msg string) {
	select {
	case in.messages <- msg:
	default:
	}
}

// killDetached returns the RunOptions.KillDetached function: after a
// second signal, it asks on the terminal whether to kill the detached
// jobs the run leaves running; without a terminal, or after one signal,
// they go on.
func (in *interrupts) killDetached(pr *prompter) func([]engine.DetachedJob) bool {
	return func(jobs []engine.DetachedJob) bool {
		return in.again.Load() && pr != nil && pr.killJobs(jobs)
	}
}

// interrupted reports whether a signal came.
func (in *interrupts) interrupted() bool { return in.received.Load() }

// release stops handling the signals; a later one ends the process as
// usual.
func (in *interrupts) release() {
	signal.Stop(in.signals)
	close(in.done)
	in.cancel()
}

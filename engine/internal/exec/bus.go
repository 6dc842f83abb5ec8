package exec

import (
	"sync"
	"time"
)

// Bounds of a subscriber's queue: blocks of at most blockEvents events or
// blockBytes bytes of output lines, and at most queueBlocks blocks. With
// lines of at most 64 KiB (see transport.Command.OnLine), a queue holds a
// few MiB at most however much a run prints.
const (
	blockEvents = 256
	blockBytes  = 64 << 10
	queueBlocks = 16
)

// bus delivers the events of a run to every subscriber, in order, each
// from a goroutine of its own with a queue of its own: a slow subscriber
// holds up the walk only once its queue is full, and then only the
// instances that emit events, until it catches up. No event is dropped.
type bus struct {
	mu   sync.Mutex
	seq  uint64
	subs []*subscription
}

// block is a run of queued events.
type block struct {
	events []Event
	bytes  int // of the events' lines
}

// full reports whether the block takes no more events.
func (b *block) full() bool { return len(b.events) == blockEvents || b.bytes >= blockBytes }

// subscription is the queue and goroutine of one subscriber.
type subscription struct {
	sub    Subscriber
	mu     sync.Mutex
	queued sync.Cond // signalled when an event is queued or the bus closes
	room   sync.Cond // signalled when a block leaves the queue
	queue  []*block  // oldest first; the last one is being filled
	spare  []*block  // delivered blocks, emptied, for reuse
	closed bool
	done   chan struct{}
}

// newBus starts delivering to subs.
func newBus(subs []Subscriber) *bus {
	b := &bus{}
	for _, sub := range subs {
		s := &subscription{sub: sub, done: make(chan struct{})}
		s.queued.L, s.room.L = &s.mu, &s.mu
		b.subs = append(b.subs, s)
		go s.deliver()
	}
	return b
}

// emit numbers and stamps e and queues it for every subscriber, waiting
// while a subscriber's queue is full.
func (b *bus) emit(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	e.Seq, e.Time = b.seq, time.Now()
	for _, s := range b.subs {
		s.put(e)
	}
}

// close waits until every subscriber has seen every event.
func (b *bus) close() {
	for _, s := range b.subs {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.queued.Signal()
	}
	for _, s := range b.subs {
		<-s.done
	}
}

// put queues e, starting a block when the last one is full, and waiting
// for room when the queue holds queueBlocks blocks.
func (s *subscription) put(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 || s.queue[len(s.queue)-1].full() {
		for len(s.queue) == queueBlocks {
			s.room.Wait()
		}
		s.queue = append(s.queue, s.newBlock())
	}
	last := s.queue[len(s.queue)-1]
	last.events = append(last.events, e)
	last.bytes += len(e.Line)
	s.queued.Signal()
}

// newBlock returns an empty block, a spare one if there is one; s.mu is
// held.
func (s *subscription) newBlock() *block {
	if n := len(s.spare); n > 0 {
		b := s.spare[n-1]
		s.spare = s.spare[:n-1]
		return b
	}
	return &block{events: make([]Event, 0, blockEvents)}
}

// take removes the oldest block from the queue, waiting for one; it
// returns nil once the bus is closed and the queue empty.
func (s *subscription) take() *block {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) == 0 && !s.closed {
		s.queued.Wait()
	}
	if len(s.queue) == 0 {
		return nil
	}
	b := s.queue[0]
	s.queue = append(s.queue[:0], s.queue[1:]...)
	s.room.Signal()
	return b
}

// deliver hands the queued events to the subscriber, a block at a time,
// flushing it after each block when it is a Flusher, until the bus closes
// and the queue is empty.
func (s *subscription) deliver() {
	defer close(s.done)
	flusher, _ := s.sub.(Flusher)
	for b := s.take(); b != nil; b = s.take() {
		for _, e := range b.events {
			s.sub.Event(e)
		}
		if flusher != nil {
			flusher.Flush()
		}
		clear(b.events) // let the events' maps go
		b.events, b.bytes = b.events[:0], 0
		s.mu.Lock()
		s.spare = append(s.spare, b)
		s.mu.Unlock()
	}
}

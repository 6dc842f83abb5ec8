package engine

import (
	"sync"
	"time"
)

// bus delivers the events of a run to every subscriber, in order, each
// from a goroutine of its own with a queue of its own that grows as
// needed: a slow subscriber never holds up the walk.
type bus struct {
	mu   sync.Mutex
	seq  uint64
	subs []*subscription
}

// subscription is the queue and goroutine of one subscriber.
type subscription struct {
	sub    Subscriber
	mu     sync.Mutex
	cond   sync.Cond
	queue  []Event
	spare  []Event // the last batch delivered, reused for the next queue
	closed bool
	done   chan struct{}
}

// newBus starts delivering to subs.
func newBus(subs []Subscriber) *bus {
	b := &bus{}
	for _, sub := range subs {
		s := &subscription{sub: sub, done: make(chan struct{})}
		s.cond.L = &s.mu
		b.subs = append(b.subs, s)
		go s.deliver()
	}
	return b
}

// emit numbers and stamps e and queues it for every subscriber.
func (b *bus) emit(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	e.Seq, e.Time = b.seq, time.Now()
	for _, s := range b.subs {
		s.mu.Lock()
		s.queue = append(s.queue, e)
		s.mu.Unlock()
		s.cond.Signal()
	}
}

// close waits until every subscriber has seen every event.
func (b *bus) close() {
	for _, s := range b.subs {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cond.Signal()
	}
	for _, s := range b.subs {
		<-s.done
	}
}

// deliver hands the queued events to the subscriber until the bus closes
// and the queue is empty.
func (s *subscription) deliver() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closed {
			s.cond.Wait()
		}
		batch := s.queue
		s.queue, s.spare = s.spare[:0], nil
		s.mu.Unlock()
		if len(batch) == 0 {
			return
		}
		for _, e := range batch {
			s.sub.Event(e)
		}
		clear(batch) // let the events' maps go
		s.mu.Lock()
		s.spare = batch
		s.mu.Unlock()
	}
}

package exec

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// flushRecorder is a subscriber that holds the first event until release
// is closed, and records the sequence numbers it sees and the last one
// seen at each Flush.
type flushRecorder struct {
	release chan struct{}
	mu      sync.Mutex
	seqs    []uint64
	flushed uint64
}

func (f *flushRecorder) Event(e Event) {
	if e.Seq == 1 {
		<-f.release
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seqs = append(f.seqs, e.Seq)
}

func (f *flushRecorder) Flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flushed = f.seqs[len(f.seqs)-1]
}

// TestBusQueueIsBounded checks that a subscriber that does not keep up
// makes emit wait once its queue is full, rather than the queue growing,
// and that it still gets every event, once and in order, flushed at the
// end.
func TestBusQueueIsBounded(t *testing.T) {
	const total = 10 * queueBlocks * blockEvents
	rec := &flushRecorder{release: make(chan struct{})}
	b := newBus([]Subscriber{rec})
	s := b.subs[0]
	var mu sync.Mutex
	emitted := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range total {
			line := "short"
			if i%2 == 0 {
				line = strings.Repeat("x", 1000)
			}
			b.emit(Event{Kind: EventOutput, Line: line})
			mu.Lock()
			emitted++
			mu.Unlock()
		}
	}()
	// Wait until the queue is full: the subscriber holds the first block.
	for {
		s.mu.Lock()
		full := len(s.queue) == queueBlocks && s.queue[queueBlocks-1].full()
		queued := 0
		for _, blk := range s.queue {
			queued += len(blk.events)
			if blk.bytes > blockBytes+1000 || len(blk.events) > blockEvents {
				t.Errorf("a block of %d events and %d bytes", len(blk.events), blk.bytes)
			}
		}
		s.mu.Unlock()
		if full {
			mu.Lock()
			if emitted > queued+blockEvents {
				t.Errorf("%d events emitted with %d queued and one block being delivered", emitted, queued)
			}
			mu.Unlock()
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(rec.release)
	<-done
	b.close()
	if len(rec.seqs) != total {
		t.Fatalf("the subscriber saw %d events of %d", len(rec.seqs), total)
	}
	for i, seq := range rec.seqs {
		if seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, seq)
		}
	}
	if rec.flushed != total {
		t.Errorf("the last flush came after event %d of %d", rec.flushed, total)
	}
}

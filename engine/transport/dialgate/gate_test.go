package dialgate

import (
	"context"
	"errors"
	"sync"
	"testing"
)

var errRefused = errors.New("refused")

func isRefused(err error) bool { return errors.Is(err, errRefused) }

// TestRetriesRefusals checks that a refused set-up is tried again until
// it succeeds, and that other errors are not.
func TestRetriesRefusals(t *testing.T) {
	g := New(4)
	tries := 0
	err := g.Do(context.Background(), func() error {
		tries++
		if tries < 3 {
			return errRefused
		}
		return nil
	}, isRefused)
	if err != nil || tries != 3 {
		t.Fatalf("Do = %v after %d tries, want success after 3", err, tries)
	}
	other := errors.New("auth failed")
	if err := g.Do(context.Background(), func() error { return other }, isRefused); err != other {
		t.Fatalf("Do = %v, want %v", err, other)
	}
	if st := g.Stats(); st.SetUps != 1 || st.Failed != 1 || st.Retries != 2 || st.Peak != 1 {
		t.Errorf("stats %+v", st)
	}
	// A nil gate runs the set-up once.
	var nilGate *Gate
	if err := nilGate.Do(context.Background(), func() error { return errRefused }, isRefused); err != errRefused {
		t.Errorf("nil gate: %v", err)
	}
}

// TestBoundsAndNarrows checks that no more set-ups than the window run at
// once, and that a refusal narrows the window.
func TestBoundsAndNarrows(t *testing.T) {
	g := New(8)
	var mu sync.Mutex
	running, most := 0, 0
	refuseOnce := sync.Once{}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			err := g.Do(context.Background(), func() error {
				mu.Lock()
				running++
				most = max(most, running)
				mu.Unlock()
				refused := false
				refuseOnce.Do(func() { refused = true })
				mu.Lock()
				running--
				mu.Unlock()
				if refused {
					return errRefused
				}
				return nil
			}, isRefused)
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if st := g.Stats(); most > 8 || st.Peak > 8 || st.SetUps != 50 || st.Retries != 1 {
		t.Errorf("most at once %d, stats %+v", most, st)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running != 0 || g.window > 8 {
		t.Errorf("after the set-ups: %d running, window %d", g.running, g.window)
	}
}

// TestCancelledWhileWaiting checks that a set-up waiting for room ends
// with its context.
func TestCancelledWhileWaiting(t *testing.T) {
	g := New(1)
	hold, held := make(chan struct{}), make(chan struct{})
	go g.Do(context.Background(), func() error { close(held); <-hold; return nil }, isRefused)
	<-held
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- g.Do(ctx, func() error { return nil }, isRefused) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Do = %v, want context.Canceled", err)
	}
	close(hold)
}

package modules

import (
	"context"
	"sync"
)

// editLocks makes the edits of one file on one host wait for each other
// within this process. Each edit reads the whole file, changes it and
// writes it back, and the instances of a task with for_each run at once:
// without the lock, two that edit one file would each write back the
// file without the other's change.
var editLocks = keyedLocks{held: map[string]*keyedLock{}}

// keyedLocks is a set of locks, one per key in use.
type keyedLocks struct {
	mu   sync.Mutex
	held map[string]*keyedLock
}

// keyedLock is the lock of one key and how many hold it or wait for it.
type keyedLock struct {
	turn  chan struct{} // holds a value while the lock is held
	users int
}

// lock takes the lock of key, waiting for whoever holds it or for ctx to
// end, and returns the function that releases it.
func (l *keyedLocks) lock(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	k := l.held[key]
	if k == nil {
		k = &keyedLock{turn: make(chan struct{}, 1)}
		l.held[key] = k
	}
	k.users++
	l.mu.Unlock()
	leave := func() {
		l.mu.Lock()
		if k.users--; k.users == 0 {
			delete(l.held, key)
		}
		l.mu.Unlock()
	}
	select {
	case k.turn <- struct{}{}:
		return func() { <-k.turn; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
}

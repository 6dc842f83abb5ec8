package sshtransport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"io/fs"
	"sync"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/engine/transport/internal/shell"
)

// downloadExec copies the file at p on the host to w over an exec
// session, for hosts without an SFTP subsystem: a shell on the host
// opens the file once and writes it to standard output, then says its
// mode, size and SHA-256 (see shell.SendArgv), which must match what
// reached w. An error of w ends the command on the host and is returned
// as a local error; the connection stays up.
func (h *host) downloadExec(ctx context.Context, p string, w io.Writer) (fs.FileMode, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sink := &downloadSink{w: w, sum: sha256.New(), cancel: cancel}
	res, err := h.runTo(ctx, transport.Command{Args: shell.SendArgv(p)}, sink)
	if lerr := sink.localErr(); lerr != nil {
		return 0, lerr
	}
	if err != nil {
		return 0, err
	}
	if !res.OK() {
		return 0, shell.SendFailure(res.Stderr)
	}
	sent, err := shell.ParseSent(res.Stderr)
	if err != nil {
		return 0, err
	}
	if err := sent.Verify(sink.n, hex.EncodeToString(sink.sum.Sum(nil))); err != nil {
		return 0, err
	}
	return sent.Mode, nil
}

// downloadSink passes what a download over exec receives to the local
// writer w and sums it. When w fails, it keeps that error, cancels the
// download and drops the rest, so that the session drains and the
// connection is not held up.
type downloadSink struct {
	w      io.Writer
	cancel context.CancelFunc

	mu  sync.Mutex // guards the fields below
	sum hash.Hash
	n   int64
	err error // the first error of w, marked as a local one
}

// Write passes p to w unless w failed before, and sums it.
func (s *downloadSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		if _, err := (localWriter{s.w}).Write(p); err != nil {
			s.err = err
			s.cancel()
		}
	}
	s.sum.Write(p)
	s.n += int64(len(p))
	return len(p), nil
}

// localErr returns the error of w, or nil.
func (s *downloadSink) localErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

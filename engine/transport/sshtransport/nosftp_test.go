package sshtransport

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestNoSFTPAskedOncePerConnection transfers files, several at once, to
// and from a server without the SFTP subsystem. They all succeed over
// exec sessions; the subsystem is asked for once per connection, and
// the operator is told once per host, naming it, even after the
// connection is dialled again.
func TestNoSFTPAskedOncePerConnection(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{NoSFTP: true})
	cfg := testConfig(srv)
	cfg.Name = "web1"
	warnings := collectWarnings(&cfg)
	h := newHost(t, cfg)
	dir := t.TempDir()
	transfer := func() {
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				path := filepath.Join(dir, "f"+string(rune('a'+i)))
				content := []byte(strings.Repeat("x", i*1000))
				if _, err := h.Upload(context.Background(), transport.File{Path: path, Content: content}); err != nil {
					t.Errorf("upload: %v", err)
					return
				}
				var buf bytes.Buffer
				if _, err := h.Download(context.Background(), path, &buf); err != nil || !bytes.Equal(buf.Bytes(), content) {
					t.Errorf("download %s: %d bytes (%v), want %d", path, buf.Len(), err, len(content))
				}
			})
		}
		wg.Wait()
	}
	transfer()
	dropConnection(h)
	transfer()

	if n := strings.Count(srv.Log(), "subsystem request for sftp"); n != 2 {
		t.Errorf("the subsystem was asked for %d times over 2 connections, want 2:\n%s", n, srv.Log())
	}
	if w := warnings(); len(w) != 1 || !strings.Contains(w[0], "web1 has no SFTP subsystem") {
		t.Errorf("warnings %q, want one saying that web1 has no SFTP subsystem", w)
	}
}

package sshtransport

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// fullDisk is a writer that fails as a file on a full local disk does.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestLocalWriteErrorKeepsConnection downloads into a local file that
// cannot be written while another command runs on the same connection:
// the download fails with the local error, not a lost connection, and
// the other command ends as it would have, on the one connection. It
// does so by SFTP and over an exec session to a server without SFTP.
func TestLocalWriteErrorKeepsConnection(t *testing.T) {
	for _, tc := range []struct {
		name   string
		noSFTP bool
	}{{"sftp", false}, {"exec", true}} {
		t.Run(tc.name, func(t *testing.T) {
			localWriteError(t, sshdtest.Start(t, sshdtest.Options{NoSFTP: tc.noSFTP}))
		})
	}
}

// localWriteError is TestLocalWriteErrorKeepsConnection against srv.
func localWriteError(t *testing.T, srv *sshdtest.Server) {
	h := newHost(t, testConfig(srv))
	src := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(src, bytes.Repeat([]byte("data\n"), 1<<18), 0o600); err != nil {
		t.Fatal(err)
	}

	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var res transport.Result
	var runErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		res, runErr = h.Run(context.Background(), transport.Command{
			Script: `echo started; read line; echo "$line"`,
			Stdin:  readerUntil(release),
			OnLine: onStarted(func() { once.Do(func() { close(started) }) }),
		})
	})
	<-started

	_, err := h.Download(context.Background(), src, fullDisk{})
	close(release)
	wg.Wait()
	if !errors.Is(err, syscall.ENOSPC) || errors.Is(err, transport.ErrConnectionLost) {
		t.Errorf("download into a full local disk: %v, want ENOSPC and no lost connection", err)
	}
	if runErr != nil || string(res.Stdout) != "started\ngo\n" {
		t.Errorf("the command running beside the download: %v, stdout %q; want it to end as usual", runErr, res.Stdout)
	}
	if err := runTrue(h); err != nil {
		t.Fatal(err)
	}
	if n := h.(*host).dials; n != 1 {
		t.Errorf("%d dials, want 1: the connection was closed", n)
	}
}

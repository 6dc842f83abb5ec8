package sshtransport

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestLoginBannerOnStdoutIsNamed gives a user a login shell that prints
// a banner on standard output before every command and subsystem, as a
// start-up file may: it garbles the SFTP stream and the answers of the
// commands that read a file's state. Uploads over SFTP (internal-sftp,
// or a sftp-server the login shell starts) and over exec sessions fail
// saying that the login shell prints text of its own.
func TestLoginBannerOnStdoutIsNamed(t *testing.T) {
	// The external sftp-server, unlike internal-sftp, is started by the
	// login shell.
	external := []string{"Subsystem sftp /usr/lib/openssh/sftp-server"}
	for _, opts := range []sshdtest.Options{{}, {NoSFTP: true}, {NoSFTP: true, Config: external}} {
		srv := sshdtest.Start(t, opts)
		u := sshdtest.NewUser(t)
		u.SetLoginShell(t, "echo 'Welcome to box, where every login is logged'")
		dir := sshdtest.SharedDir(t, "runbook-banner-", 0o777)
		h := hostAs(t, srv, u.Name)
		_, err := h.Upload(context.Background(), transport.File{Path: filepath.Join(dir, "f"), Content: []byte("x"), Mode: 0o644})
		if err == nil || !strings.Contains(err.Error(), "login shell") || !strings.Contains(err.Error(), `"Welc`) {
			t.Errorf("%+v: upload: %v, want an error quoting the banner (its first bytes at least) and naming the login shell", opts.NoSFTP, err)
		}
	}
}

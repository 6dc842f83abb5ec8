package sshtransport

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// TestLoginBannerOnStdout gives a user a login shell that prints a banner
// on standard output before every command and subsystem, as a start-up
// file may. A command's output is its own, in either mode, with the
// banner apart in LoginOutput, and files travel: over SFTP
// when the server is internal-sftp, which no login shell starts, and
// over exec sessions when there is no SFTP or when the banner garbles
// the stream of an external sftp-server, which the login shell starts.
func TestLoginBannerOnStdout(t *testing.T) {
	external := []string{"Subsystem sftp /usr/lib/openssh/sftp-server"}
	for _, opts := range []sshdtest.Options{{}, {NoSFTP: true}, {NoSFTP: true, Config: external}} {
		srv := sshdtest.Start(t, opts)
		u := sshdtest.NewUser(t)
		u.SetLoginShell(t, "echo 'Welcome to box, where every login is logged'")
		dir := sshdtest.SharedDir(t, "runbook-banner-", 0o777)
		for _, mode := range Modes {
			cfg := testConfig(srv)
			cfg.User, cfg.Mode = u.Name, mode
			res, err := newHost(t, cfg).Run(context.Background(), transport.Command{Args: []string{"echo", "own"}})
			if err != nil || string(res.Stdout) != "own\n" || string(res.LoginOutput) != "Welcome to box, where every login is logged" {
				t.Errorf("%+v, %s mode: command: stdout %q, login output %q (%v); want its own output, and the banner apart", opts, mode, res.Stdout, res.LoginOutput, err)
			}
		}
		h := hostAs(t, srv, u.Name)
		path := filepath.Join(dir, "f")
		if _, err := h.Upload(context.Background(), transport.File{Path: path, Content: []byte("x"), Mode: 0o644}); err != nil {
			t.Errorf("%+v: upload: %v", opts, err)
		}
		var got strings.Builder
		if _, err := h.Download(context.Background(), path, &got); err != nil || got.String() != "x" {
			t.Errorf("%+v: download: %q (%v)", opts, got.String(), err)
		}
	}
}

package sshtransport

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/runbookhq/runbook/internal/sshdtest"
)

// listCommandLines prints the command line of every process on the host.
const listCommandLines = `for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$f" 2>/dev/null; echo; done`

func TestSudoPassword(t *testing.T) {
	srv := sshdtest.Start(t, sshdtest.Options{})
	u := sshdtest.NewSudoUser(t)
	h := hostAs(t, srv, u.Name)
	ctx := context.Background()

	const secret = "env-secret-4711"
	res, err := h.Run(ctx, transport.Command{
		Script: `id -u; printf '%s\n' "$RB_SECRET"; cat; ` + listCommandLines,
		Env:    map[string]string{"RB_SECRET": secret},
		Stdin:  strings.NewReader("input\n"),
		Sudo:   &transport.Sudo{Password: u.Password},
	})
	if err != nil {
		t.Fatalf("sudo with password: %v", err)
	}
	out := string(res.Stdout)
	if !res.OK() || !strings.HasPrefix(out, "0\n"+secret+"\ninput\n") {
		t.Fatalf("sudo with password: exit %d, stdout %q, stderr %q", res.ExitCode, out, res.Stderr)
	}
	for _, s := range []string{u.Password, secret} {
		if strings.Contains(strings.TrimPrefix(out, "0\n"+secret+"\ninput\n"), s) {
			t.Fatalf("a secret appears in a process's command line:\n%s", out)
		}
	}

	res, err = h.Run(ctx, transport.Command{Args: []string{"id", "-un"}, Sudo: &transport.Sudo{User: "nobody", Password: u.Password}})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != "nobody" {
		t.Fatalf("sudo to nobody: %v %q", err, res.Stdout)
	}

	_, err = h.Run(ctx, transport.Command{Args: []string{"true"}, Sudo: &transport.Sudo{}})
	if !errors.Is(err, transport.ErrSudoPasswordRequired) {
		t.Fatalf("sudo without password: %v, want ErrSudoPasswordRequired", err)
	}

	_, err = h.Run(ctx, transport.Command{Args: []string{"true"}, Stdin: strings.NewReader("never read\n"), Sudo: &transport.Sudo{Password: "wrong-password"}})
	if err == nil || !strings.Contains(err.Error(), "rejected the password") || strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("sudo with a wrong password: %v", err)
	}

	changed, err := h.Upload(ctx, transport.File{Path: "/root/.runbook-test-" + u.Name, Content: []byte("x"), Mode: 0o600, Sudo: &transport.Sudo{Password: u.Password}})
	t.Cleanup(func() {
		_, _ = transport.NewLocal().Run(ctx, transport.Command{Args: []string{"rm", "-f", "/root/.runbook-test-" + u.Name}})
	})
	if err != nil || !changed {
		t.Fatalf("upload with sudo password: %v %v", changed, err)
	}
}

package sim

import (
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// TestOldSSHClients: a host playing CentOS 7's or CentOS 6's ssh refuses
// StrictHostKeyChecking=accept-new with that version's words and status
// 255, wherever the option sits, and runs any other command line; 5.3's
// checks RSA host keys alone, so it cannot reach an sshd whose one key is
// ed25519.
func TestOldSSHClients(t *testing.T) {
	t.Parallel()
	p := StartPair(t, PairOptions{
		Primary:   HostOptions{SSHClient: hostconf.SSHClient74},
		Secondary: HostOptions{SSHClient: hostconf.SSHClient53, HostKeyType: HostKeyRSA},
	})
	refusals := map[*Host]string{
		p.Primary:   `command-line line 0: unsupported option "accept-new".`,
		p.Secondary: "command-line line 0: Bad yes/no/ask argument.",
	}
	for h, refusal := range refusals {
		for _, cmd := range []string{
			"ssh -o StrictHostKeyChecking=accept-new -p 22 " + h.Address + " true",
			"ssh -p22 -oStrictHostKeyChecking=accept-new " + h.Address + " true",
			inShell("ssh -n -o 'StrictHostKeyChecking accept-new' " + h.Address + " true"),
		} {
			out, err := h.Exec(bg, cmd+" 2>&1; echo status $?")
			if err != nil || !strings.Contains(out, refusal) || !strings.HasSuffix(out, "status 255\n") {
				t.Errorf("%s: %s printed %q, %v; want %q and status 255", h.Name, cmd, out, err, refusal)
			}
		}
	}
	if out, err := p.Primary.Exec(bg, "ssh -V 2>&1"); err != nil || !strings.HasPrefix(out, "OpenSSH_7.4p1") {
		t.Errorf("ssh -V printed %q, %v", out, err)
	}
	// Options it knows pass to the real client, which refuses a host key
	// it does not know, or cannot use.
	for _, tt := range []struct {
		from, to *Host
		want     string
	}{
		{p.Primary, p.Secondary, "Host key verification failed"},
		{p.Secondary, p.Secondary, "Host key verification failed"},
		{p.Secondary, p.Primary, "no matching host key type"},
	} {
		out, _ := tt.from.Exec(bg, "ssh -o StrictHostKeyChecking=yes -o BatchMode=yes -o UserKnownHostsFile=/dev/null "+tt.to.Address+" true 2>&1")
		if !strings.Contains(out, tt.want) {
			t.Errorf("ssh from the %s to the %s printed %q; want %q", tt.from.Name, tt.to.Name, out, tt.want)
		}
	}
}

// TestKeyScriptPrompts: a key exchange script that asks fails at the end
// of its input, as Python's input() does, and with empty answers makes a
// key without a passphrase.
func TestKeyScriptPrompts(t *testing.T) {
	t.Parallel()
	h := StartHost(t, HostOptions{KeyScriptPrompts: true})
	script := "python3 " + hostconf.KeyExchangeScript(h.AlationDir) + " 127.0.0.9"
	out, err := h.Exec(bg, script+" </dev/null 2>&1; echo status $?")
	if err != nil || !strings.Contains(out, "Enter passphrase") || !strings.Contains(out, "EOFError") || strings.HasSuffix(out, "status 0\n") {
		t.Errorf("with no input: %q, %v; want the prompt, EOFError and a failure", out, err)
	}
	out, err = h.Exec(bg, "printf '\\n\\n' | "+script+" 2>&1")
	if err != nil || !strings.Contains(out, "Press Enter") {
		t.Fatalf("with empty answers: %q, %v", out, err)
	}
	if _, err := h.Exec(bg, "ssh-keygen -y -P '' -f "+h.AlationDir+hostconf.ReplicationKey); err != nil {
		t.Errorf("the key has a passphrase or is missing: %v", err)
	}
}

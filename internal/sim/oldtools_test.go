package sim

import (
	"strings"
	"testing"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// TestOldSSHClients: a host playing CentOS 7's or CentOS 6's ssh refuses
// StrictHostKeyChecking=accept-new with that version's words and status
// 255, wherever the option sits, and runs any other command line.
func TestOldSSHClients(t *testing.T) {
	for client, refusal := range map[string]string{
		hostconf.SSHClient74: `command-line line 0: unsupported option "accept-new".`,
		hostconf.SSHClient53: "command-line line 0: Bad yes/no/ask argument.",
	} {
		h := StartHost(t, HostOptions{Name: "ssh" + client, SSHClient: client})
		for _, cmd := range []string{
			"ssh -o StrictHostKeyChecking=accept-new -p 22 " + h.Address + " true",
			"ssh -p22 -oStrictHostKeyChecking=accept-new " + h.Address + " true",
			inShell("ssh -n -o 'StrictHostKeyChecking accept-new' " + h.Address + " true"),
		} {
			out, err := h.Exec(bg, cmd+" 2>&1; echo status $?")
			if err != nil || !strings.Contains(out, refusal) || !strings.HasSuffix(out, "status 255\n") {
				t.Errorf("%s: %s printed %q, %v; want %q and status 255", client, cmd, out, err, refusal)
			}
		}
		if out, err := h.Exec(bg, "ssh -V 2>&1"); err != nil || !strings.HasPrefix(out, "OpenSSH_"+client) {
			t.Errorf("%s: ssh -V printed %q, %v", client, out, err)
		}
		// Options it knows pass to the real client, which fails to log
		// in without a key, not on the options.
		out, _ := h.Exec(bg, "ssh -o StrictHostKeyChecking=yes -o BatchMode=yes -o UserKnownHostsFile=/dev/null "+h.Address+" true 2>&1; echo status $?")
		if !strings.Contains(out, "Host key verification failed") {
			t.Errorf("%s: ssh with known options printed %q; want the real client's host key refusal", client, out)
		}
	}
}

// TestKeyScriptPrompts: a key exchange script that asks fails at the end
// of its input, as Python's input() does, and with empty answers makes a
// key without a passphrase.
func TestKeyScriptPrompts(t *testing.T) {
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

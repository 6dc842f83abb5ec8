package alation

import "testing"

// Samples of identityProbe's output: an EL7 host, the same host read
// again with its lines in another order, an EL6 host (D-Bus id alone), a
// clone of the EL7 host (same machine id and host keys, its own
// addresses), and a host with no machine id.
const (
	el7 = "id /etc/machine-id 4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910\n" +
		"id /var/lib/dbus/machine-id 4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910\n" +
		"hostkey ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7\n" +
		"hostkey ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY\n" +
		"link 12:e5:2b:d0:eb:8b\n" +
		"addr lo 127.0.0.1/8\naddr eth0 10.11.2.15/24\naddr eth0 fe80::10e5:2bff:fed0:eb8b/64\n"
	el7Again = "addr eth0 10.11.2.15/24\naddr lo 127.0.0.1/8\naddr eth0 fe80::10e5:2bff:fed0:eb8b/64\n" +
		"link 12:e5:2b:d0:eb:8b\n" +
		"hostkey ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY\n" +
		"hostkey ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7\n" +
		"id /etc/machine-id 4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910\n" +
		"id /var/lib/dbus/machine-id 4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910\n"
	el7Clone = "id /etc/machine-id 4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910\n" +
		"id /var/lib/dbus/machine-id 4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910\n" +
		"hostkey ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7\n" +
		"hostkey ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY\n" +
		"link 12:e5:2b:d0:eb:8c\n" +
		"addr lo 127.0.0.1/8\naddr eth0 10.11.2.16/24\naddr eth0 fe80::10e5:2bff:fed0:eb8c/64\n"
	el6 = "id /var/lib/dbus/machine-id 9a8b7c6d5e4f30211f2e3d4c5b6a7980\n" +
		"hostkey ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAQEAx\n" +
		"hostkey ssh-dss AAAAB3NzaC1kc3MAAACBAP\n" +
		"link 00:50:56:a1:00:01\naddr lo 127.0.0.1/8\naddr eth0 10.0.0.3/24\n"
	noID = "hostkey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\naddr lo 127.0.0.1/8\naddr eth0 10.0.0.4/24\n"
)

// TestMachineIdentity tells machines apart by all the evidence: one host
// is one identity however its lines come, clones sharing a machine id and
// host keys are two, and a missing machine id is no obstacle.
func TestMachineIdentity(t *testing.T) {
	if a, b := parseIdentity(el7).digest(), parseIdentity(el7Again).digest(); a != b {
		t.Errorf("one host, two identities: %s and %s", a, b)
	}
	if a, b := parseIdentity(el7).digest(), parseIdentity(el7Clone).digest(); a == b {
		t.Errorf("a clone has the identity %s of its template", a)
	}
	for _, tt := range []struct{ out, id, evidence string }{
		{el7, "4f1c0b6e2a9d4e0c8b7a6d5c4b3a2910", "1 machine id, 2 SSH host keys, 1 MAC address, 3 interface addresses"},
		{el6, "9a8b7c6d5e4f30211f2e3d4c5b6a7980", "1 machine id, 2 SSH host keys, 1 MAC address, 2 interface addresses"},
		{noID, "", "no machine id, 1 SSH host key, 2 interface addresses"},
	} {
		got := parseIdentity(tt.out)
		if got.machineID != tt.id || got.describe() != tt.evidence {
			t.Errorf("parseIdentity: machine id %q, evidence %q; want %q, %q", got.machineID, got.describe(), tt.id, tt.evidence)
		}
	}
}

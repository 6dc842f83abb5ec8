package alation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/runbookhq/runbook/engine/transport"
)

// identityProbe prints, one labelled line each, what tells a machine
// apart: "id FILE ID" for /etc/machine-id and /var/lib/dbus/machine-id
// (the latter alone on EL6; both copied by clones of one template),
// "hostkey TYPE KEY" for each SSH host key (shared by clones whose keys
// were not regenerated), and "link MAC" and "addr IFACE ADDRESS" for each
// interface (a clone on the network has its own addresses).
const identityProbe = `for f in /etc/machine-id /var/lib/dbus/machine-id; do if [ -r "$f" ]; then echo "id $f $(cat "$f")"; fi; done
for f in /etc/ssh/ssh_host_*_key.pub; do if [ -r "$f" ]; then echo "hostkey $(cut -d' ' -f1,2 "$f")"; fi; done
ip -o link 2>/dev/null | sed -n 's/.*link\/ether \([0-9a-fA-F:]*\).*/link \1/p'
ip -o addr 2>/dev/null | awk '{print "addr", $2, $4}'
true`

// machineIdentity is the evidence of which machine a host is.
type machineIdentity struct {
	// machineID is the first machine id found, empty when there is none.
	machineID string
	// evidence are the probe's lines, sorted and without repeats.
	evidence []string
	// counts of each kind of evidence, by label.
	counts map[string]int
}

// readIdentity reads the evidence of which machine h is.
func readIdentity(ctx context.Context, h transport.Host) (machineIdentity, error) {
	res, err := runRoot(ctx, h, identityProbe)
	out, err := mustOK(res, err, "read what tells the machine apart")
	if err != nil {
		return machineIdentity{}, err
	}
	id := parseIdentity(out)
	if len(id.evidence) == 0 {
		return machineIdentity{}, fmt.Errorf("found no machine id, SSH host key or interface address")
	}
	return id, nil
}

// parseIdentity reads the output of identityProbe.
func parseIdentity(out string) machineIdentity {
	id := machineIdentity{counts: map[string]int{}}
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "id":
			if len(fields) < 3 {
				continue
			}
			if id.machineID == "" {
				id.machineID = fields[2]
			}
			fields = []string{"id", fields[2]} // the same id in either file is one fact
		case "hostkey", "link", "addr":
		default:
			continue
		}
		id.evidence = append(id.evidence, strings.Join(fields, " "))
	}
	slices.Sort(id.evidence)
	id.evidence = slices.Compact(id.evidence)
	for _, e := range id.evidence {
		label, _, _ := strings.Cut(e, " ")
		id.counts[label]++
	}
	return id
}

// digest sums up the evidence: two hosts whose digests differ are two
// machines, since one machine shows the same evidence however it is
// reached; VMs cloned from one template share a machine id and perhaps
// their host keys, but not their interface addresses.
func (id machineIdentity) digest() string {
	sum := sha256.Sum256([]byte(strings.Join(id.evidence, "\n")))
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// describe says what evidence there is, e.g. "machine id, 3 SSH host
// keys, 2 MAC addresses, 4 interface addresses".
func (id machineIdentity) describe() string {
	var parts []string
	if id.counts["id"] == 0 {
		parts = append(parts, "no machine id")
	}
	kinds := []struct{ label, one, many string }{
		{"id", "machine id", "machine ids"}, {"hostkey", "SSH host key", "SSH host keys"},
		{"link", "MAC address", "MAC addresses"}, {"addr", "interface address", "interface addresses"},
	}
	for _, k := range kinds {
		n, noun := id.counts[k.label], k.many
		if n == 0 {
			continue
		}
		if n == 1 {
			noun = k.one
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, noun))
	}
	return strings.Join(parts, ", ")
}

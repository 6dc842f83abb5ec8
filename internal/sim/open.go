package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Open returns the pair running in dir, a directory made by Up or
// StartPair in any process, for inspecting it with the hosts' helpers.
// It fails when dir holds no pair or a host's sshd is gone. Closing the
// returned pair tears it down, as Down does.
func Open(dir string) (*Pair, error) {
	if dir == "" {
		dir = DefaultDir
	}
	b, err := os.ReadFile(filepath.Join(dir, recordFile))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, errNotPairDir)
	}
	var rec pairRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("open %s: read %s: %w", dir, recordFile, err)
	}
	if len(rec.Hosts) != 2 {
		return nil, fmt.Errorf("open %s: the pair did not finish starting (%d hosts recorded): run down, then up again", dir, len(rec.Hosts))
	}
	hosts := make([]*Host, len(rec.Hosts))
	for i, r := range rec.Hosts {
		if !inHost(r.SSHDPID, layersOf(r.Dir).upper) {
			return nil, fmt.Errorf("open %s: host %s: sshd (pid %d) is not running: run down, then up again", dir, r.Name, r.SSHDPID)
		}
		hosts[i] = &Host{
			Name: r.Name, Address: r.Address, SSHPort: r.SSHPort, User: rec.User,
			KeyPath: rec.KeyPath, KnownHostsPath: rec.KnownHostsPath,
			Version: r.Version, AlationDir: r.AlationDir, Dir: r.Dir, pid: r.SSHDPID,
		}
	}
	return &Pair{
		Primary: hosts[0], Secondary: hosts[1], User: rec.User,
		KeyPath: rec.KeyPath, KnownHostsPath: rec.KnownHostsPath, Dir: dir,
	}, nil
}

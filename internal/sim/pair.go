package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Pair is a running primary and secondary sharing one client key and one
// known_hosts file.
type Pair struct {
	// Primary is the host meant to become the primary.
	Primary *Host
	// Secondary is the host meant to become the secondary.
	Secondary *Host
	// User is the SSH user of both hosts.
	User string
	// KeyPath is the private key both hosts accept for User.
	KeyPath string
	// KnownHostsPath holds both host keys.
	KnownHostsPath string
	// Dir holds the pair's files.
	Dir string

	owner     *os.File
	closeOnce sync.Once
	closeErr  error
}

// Hosts returns the primary and the secondary.
func (p *Pair) Hosts() []*Host { return []*Host{p.Primary, p.Secondary} }

// Vars returns the -var flags of the bundled ha-pair playbook that target
// this pair.
func (p *Pair) Vars() []string {
	return []string{
		"-var", "primary=" + p.Primary.Address,
		"-var", "secondary=" + p.Secondary.Address,
	}
}

// Close tears down both hosts and removes the pair's directory.
func (p *Pair) Close() error {
	p.closeOnce.Do(func() {
		var errs []error
		for _, h := range p.Hosts() {
			if h != nil {
				errs = append(errs, h.Close())
			}
		}
		if err := errors.Join(errs...); err == nil {
			if err := os.RemoveAll(p.Dir); err != nil {
				errs = append(errs, fmt.Errorf("remove %s: %w", p.Dir, err))
			}
		}
		if p.owner != nil {
			p.owner.Close()
		}
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}

// pairRecord is what a pair's directory says about it, for people and
// for Down.
type pairRecord struct {
	User           string       `json:"user"`
	KeyPath        string       `json:"key_path"`
	KnownHostsPath string       `json:"known_hosts_path"`
	Hosts          []hostRecord `json:"hosts"`
}

type hostRecord struct {
	Name       string `json:"name"`
	Address    string `json:"address"`
	SSHPort    int    `json:"ssh_port"`
	Version    string `json:"version"`
	AlationDir string `json:"alation_dir"`
	Dir        string `json:"dir"`
	SSHDPID    int    `json:"sshd_pid"`
}

// recordFile is the pair record's name in its directory.
const recordFile = "pair.json"

// startPair starts a pair in dir, which must exist and be empty.
func startPair(opts PairOptions, dir string, detached bool) (*Pair, error) {
	prim, sec, err := pairDefaults(opts)
	if err != nil {
		return nil, err
	}
	hosts, err := startHosts([]HostOptions{prim, sec}, dir, detached)
	if err != nil {
		return nil, err
	}
	return &Pair{
		Primary: hosts[0], Secondary: hosts[1], User: prim.User, Dir: dir,
		KeyPath: hosts[0].KeyPath, KnownHostsPath: hosts[0].KnownHostsPath,
	}, nil
}

// startHosts starts hosts (defaults filled) in parallel under dir, each
// allowing the others to replicate from it, with one client key and one
// known_hosts file in dir. On failure it tears down what it started.
func startHosts(opts []HostOptions, dir string, detached bool) ([]*Host, error) {
	if err := checkSearchable(dir); err != nil {
		return nil, err
	}
	binary, err := alationBinary()
	if err != nil {
		return nil, err
	}
	keyPath := filepath.Join(dir, "id_ed25519")
	clientPub, err := generateKey(keyPath, "ed25519", "alation-sim-client")
	if err != nil {
		return nil, err
	}
	ptrs := make([]*HostOptions, len(opts))
	for i := range opts {
		ptrs[i] = &opts[i]
	}
	locks, err := claimAddresses(ptrs...)
	if err != nil {
		return nil, err
	}
	for i := range opts {
		for j := range opts {
			if i != j {
				opts[i].Peers = append(opts[i].Peers, opts[j].Address)
			}
		}
	}
	hosts := make([]*Host, len(opts))
	errs := make([]error, len(opts))
	var wg sync.WaitGroup
	for i, o := range opts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hosts[i], errs[i] = startHost(o, filepath.Join(dir, o.Name), binary, clientPub, detached)
			if hosts[i] != nil {
				hosts[i].lock = locks[i]
			} else {
				locks[i].release()
			}
		}()
	}
	wg.Wait()
	err = errors.Join(errs...)
	if err == nil {
		err = writeFiles(dir, keyPath, opts[0].User, hosts)
	}
	if err != nil {
		for _, h := range hosts {
			if h != nil {
				err = errors.Join(err, h.Close())
			}
		}
		return nil, err
	}
	return hosts, nil
}

// pairDefaults fills both hosts' defaults; the pair's hosts share the
// user and SSH port.
func pairDefaults(opts PairOptions) (HostOptions, HostOptions, error) {
	prim, sec := opts.Primary, opts.Secondary
	if prim.Name == "" {
		prim.Name = "primary"
	}
	if sec.Name == "" {
		sec.Name = "secondary"
	}
	if prim.Name == sec.Name {
		return prim, sec, fmt.Errorf("both hosts are named %q", prim.Name)
	}
	var err error
	if prim, err = prim.withDefaults(); err != nil {
		return prim, sec, err
	}
	if sec.User == "" {
		sec.User = prim.User
	}
	if sec.SSHPort == 0 {
		sec.SSHPort = prim.SSHPort
	}
	if sec, err = sec.withDefaults(); err != nil {
		return prim, sec, err
	}
	if prim.User != sec.User {
		return prim, sec, fmt.Errorf("primary user %s and secondary user %s differ: a pair has one SSH user", prim.User, sec.User)
	}
	if prim.Address != "" && prim.Address == sec.Address {
		return prim, sec, fmt.Errorf("both hosts have address %s", prim.Address)
	}
	return prim, sec, nil
}

// claimAddresses claims the given addresses, or free ones for those left
// empty.
func claimAddresses(hosts ...*HostOptions) ([]*addrLock, error) {
	locks := make([]*addrLock, len(hosts))
	taken := map[string]bool{}
	release := func() {
		for _, l := range locks {
			l.release()
		}
	}
	for _, h := range hosts {
		taken[h.Address] = h.Address != ""
	}
	for i, h := range hosts {
		var err error
		if h.Address != "" {
			locks[i], err = lockAddress(h.Address, h.SSHPort)
		} else {
			h.Address, locks[i], err = allocateAddress(h.SSHPort, taken)
			taken[h.Address] = true
		}
		if err != nil {
			release()
			return nil, fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	return locks, nil
}

// writeFiles writes known_hosts and the record of hosts in dir, and
// points each host at the shared key and known_hosts.
func writeFiles(dir, keyPath, user string, hosts []*Host) error {
	var kh strings.Builder
	rec := pairRecord{User: user, KeyPath: keyPath, KnownHostsPath: filepath.Join(dir, "known_hosts")}
	for _, h := range hosts {
		h.KeyPath, h.KnownHostsPath = rec.KeyPath, rec.KnownHostsPath
		kh.WriteString(knownHostsLine(h.Address, h.SSHPort, h.hostKey))
		rec.Hosts = append(rec.Hosts, hostRecord{
			Name: h.Name, Address: h.Address, SSHPort: h.SSHPort, Version: h.Version,
			AlationDir: h.AlationDir, Dir: h.Dir, SSHDPID: h.pid,
		})
	}
	if err := os.WriteFile(rec.KnownHostsPath, []byte(kh.String()), 0o644); err != nil {
		return fmt.Errorf("write known_hosts: %w", err)
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode host record: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, recordFile), append(b, '\n'), 0o644)
}

// errNotPairDir is returned by Down for a directory Up did not make.
var errNotPairDir = errors.New("no simulated pair here (no " + recordFile + ")")

// Up starts a pair whose processes outlive the caller, keeping its state
// in opts.Dir (default /tmp/alation-sim), which must be absent or empty.
// Down removes it, from any process.
func Up(opts PairOptions) (*Pair, error) {
	if err := CheckRequirements(); err != nil {
		return nil, err
	}
	dir := opts.Dir
	if dir == "" {
		dir = DefaultDir
	}
	if _, err := os.Stat(filepath.Join(dir, recordFile)); err == nil {
		return nil, fmt.Errorf("a simulated pair is already up in %s: run down first", dir)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s is not empty: pick another directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	// The record marks dir as the simulation's before anything starts, so
	// that Down can clean up after an Up that was interrupted.
	if err := os.WriteFile(filepath.Join(dir, recordFile), []byte("{}\n"), 0o644); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	p, err := startPair(opts, dir, true)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	for _, h := range p.Hosts() {
		h.lock.release()
		h.lock = nil
	}
	return p, nil
}

// Down tears down every simulated host under dir, a directory made by Up
// in any process, and removes dir.
func Down(dir string) error {
	if dir == "" {
		dir = DefaultDir
	}
	if _, err := os.Stat(filepath.Join(dir, recordFile)); err != nil {
		return fmt.Errorf("down %s: %w", dir, errNotPairDir)
	}
	return removeRun(dir)
}

// hostDirs lists the host directories under dir.
func hostDirs(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var dirs []string
	for _, e := range entries {
		d := filepath.Join(dir, e.Name())
		if _, err := os.Stat(layersOf(d).upper); err == nil {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// removeRun tears down the hosts under dir and removes it.
func removeRun(dir string) error {
	var errs []error
	for _, d := range hostDirs(dir) {
		errs = append(errs, teardown(d))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

// checkSearchable fails unless every directory from / to dir lets other
// users through: PostgreSQL's programs run as postgres on files under dir.
func checkSearchable(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("directory %s: %w", dir, err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("directory %s: %s (mode %o) does not let the postgres user through; pick a directory whose parents are world-searchable", dir, d, fi.Mode().Perm())
		}
		if d == "/" {
			return nil
		}
	}
}

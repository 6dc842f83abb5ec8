package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// Host is one running simulated Alation host.
type Host struct {
	// Name is the host's role, e.g. "primary".
	Name string
	// Address is the host's loopback address.
	Address string
	// SSHPort is the port of the host's sshd.
	SSHPort int
	// User is the SSH user (passwordless sudo).
	User string
	// KeyPath is the private key the SSH user logs in with.
	KeyPath string
	// KnownHostsPath holds the host keys of the hosts started together.
	KnownHostsPath string
	// Version is the Alation version.
	Version string
	// AlationDir is the Alation directory the version implies.
	AlationDir string
	// Dir is the host's directory on the machine (its overlay layers and
	// sshd log).
	Dir string

	// hostKey is the public host key, for known_hosts.
	hostKey string
	// pid is sshd's PID, the process whose namespace commands enter.
	pid  int
	done <-chan struct{}
	lock *addrLock

	closeOnce sync.Once
	closeErr  error
}

// startHost lays out and starts the host o (defaults filled, address
// claimed) under dir and applies its faults.
func startHost(o HostOptions, dir, binary, clientPub string, detached bool) (*Host, error) {
	layout, err := hostconf.LayoutFor(o.Version)
	if err != nil {
		return nil, err
	}
	u, err := newAccount(o.User)
	if err != nil {
		return nil, err
	}
	pg, err := lookupAccount("postgres")
	if err != nil {
		return nil, err
	}
	s := &spec{
		cfg: hostconf.Config{
			Name: o.Name, Address: o.Address, SSHPort: o.SSHPort, User: o.User, Version: o.Version,
			AlationDir: layout.AlationDir, DataDir: dataDisk, BackupDir: backupDisk,
			ClosedPorts: o.Faults.ClosedPorts, MongoInitialLag: o.MongoInitialLag, MongoCatchUp: o.MongoCatchUp,
			ConfFormat: o.ConfFormat, MongoShell: o.MongoShell, MongoArbiter: o.MongoArbiter,
			NoOpActions: o.Faults.NoOpActions, FailingActions: o.Faults.FailingActions, ReadOnlyConf: o.Faults.ReadOnlyConf,
			ShellRole: o.ShellRole, ShellSudoDenied: o.ShellSudoDenied, SSHClient: o.SSHClient,
			MongoUser: o.MongoUser, MongoPassword: o.MongoPassword, LocalOnly: o.LocalOnly,
			StatusFormat: o.StatusFormat, DownServices: o.DownServices, DiskCacheFormat: o.DiskCacheFormat,
			SlowActions: o.SlowActions, ActionDelay: o.ActionDelay, ReplicateDelay: o.ReplicateDelay,
		},
		layout: layout, faults: o.Faults, peers: o.Peers, user: u, pg: pg,
		versionSource: o.VersionSource, machineID: o.MachineID, bashrcNoise: o.BashrcNoise, banner: o.Banner,
		requireTTY:       o.RequireTTY,
		keyScriptPrompts: o.KeyScriptPrompts, hostKeyType: o.HostKeyType,
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("host %s: %w", o.Name, err)
	}
	hostKey, err := s.writeRoot(tree{root: layersOf(dir).upper}, binary, clientPub)
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", o.Name, err)
	}
	cmd, done, err := launch(dir, o.Address, o.SSHPort, detached)
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", o.Name, err)
	}
	h := &Host{
		Name: o.Name, Address: o.Address, SSHPort: o.SSHPort, User: o.User,
		Version: o.Version, AlationDir: layout.AlationDir, Dir: dir,
		hostKey: hostKey, pid: cmd.Process.Pid, done: done,
	}
	if err := h.applyFaults(o.Faults); err != nil {
		return nil, errors.Join(err, h.Close())
	}
	return h, nil
}

// applyFaults starts the services unless they stay stopped, then breaks
// the disk caches if asked (a host can run with bad caches; only start
// refuses them).
func (h *Host) applyFaults(f Faults) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if f.ReplicationMode == hostconf.ModeSlave {
		if err := h.makeStandby(ctx, f.Master); err != nil {
			return err
		}
	}
	if !f.ServicesStopped {
		if _, err := h.Alation(ctx, "start"); err != nil {
			return err
		}
	}
	if f.InvalidDisks {
		script := fmt.Sprintf("printf '%%s\\n' %[2]s > %[1]s/.disk1_cache && printf '%%s\\n' %[3]s > %[1]s/.disk2_cache",
			h.AlationDir, MissingDataDisk, MissingBackupDisk)
		if _, err := h.Exec(ctx, script); err != nil {
			return err
		}
	}
	return nil
}

// The data and backup disks of every host.
const (
	dataDisk   = "/data"
	backupDisk = "/backup"
)

// makeStandby turns the host's PostgreSQL into a standby of master, as a
// secondary of another primary is: standby.signal, and a primary_conninfo
// naming master in postgresql.auto.conf. PostgreSQL runs once as a
// primary first, so that the settings a hot standby checks against its
// primary's are the host's own.
func (h *Host) makeStandby(ctx context.Context, master string) error {
	if _, err := h.Alation(ctx, "start"); err != nil {
		return err
	}
	if _, err := h.Alation(ctx, "stop"); err != nil {
		return err
	}
	data := (&hostconf.Config{DataDir: dataDisk}).PGDataDir()
	script := fmt.Sprintf("install -o postgres -g postgres -m 600 /dev/null %[1]s/standby.signal && echo %[2]s >> %[1]s/postgresql.auto.conf",
		data, shellquote.Quote("primary_conninfo = '"+hostconf.UpstreamConninfo(master, h.Address)+"'"))
	_, err := h.Exec(ctx, script)
	return err
}

// Exec runs cmd with /bin/sh as root inside the host, outside the
// Alation shell, and returns its standard output. A non-zero exit is an
// error carrying the status and standard error.
func (h *Host) Exec(ctx context.Context, cmd string) (string, error) {
	return h.run(ctx, nil, "/bin/sh", "-c", cmd)
}

// Alation runs /etc/init.d/alation with args inside the host.
func (h *Host) Alation(ctx context.Context, args ...string) (string, error) {
	return h.run(ctx, nil, append([]string{hostconf.InitScript}, args...)...)
}

// Shell runs cmd in the Alation shell (`alation shell -c CMD`).
func (h *Host) Shell(ctx context.Context, cmd string) (string, error) {
	return h.Alation(ctx, "shell", "-c", cmd)
}

// PSQL runs sql against the host's rosemeta database as the superuser and
// returns the unaligned, tuples-only output.
func (h *Host) PSQL(ctx context.Context, sql string) (string, error) {
	out, err := h.run(ctx, strings.NewReader(sql), filepath.Join(hostconf.PGBin, "psql"), "-X", "-A", "-t", "-q",
		"-v", "ON_ERROR_STOP=1", "-h", hostconf.PGSocketDir, "-U", "postgres", "-d", hostconf.Database)
	return strings.TrimSpace(out), err
}

// Conf returns the value of an alation_conf key, read from the host's
// state and written as the default format prints it (e.g. "standalone" or
// "['127.0.2.2/32']"), whatever format the host's alation_conf prints in.
func (h *Host) Conf(ctx context.Context, key string) (string, error) {
	s, err := h.State(ctx)
	if err != nil {
		return "", err
	}
	v, ok := s.Conf.Value(key)
	if !ok {
		return "", fmt.Errorf("host %s: unknown configuration key %q", h.Name, key)
	}
	return v, nil
}

// State returns the host's simulated state: its alation_conf keys, its
// Mongo secondaries, and how many times each alation_action started.
func (h *Host) State(ctx context.Context) (hostconf.State, error) {
	out, err := h.ReadFile(ctx, hostconf.StatePath(h.AlationDir))
	if err != nil {
		return hostconf.State{}, err
	}
	var s hostconf.State
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return hostconf.State{}, fmt.Errorf("host %s: read the state: %w", h.Name, err)
	}
	return s, nil
}

// ReadFile returns the content of path inside the host.
func (h *Host) ReadFile(ctx context.Context, path string) (string, error) {
	return h.run(ctx, nil, "cat", "--", path)
}

// run runs args inside the host with stdin.
func (h *Host) run(ctx context.Context, stdin *strings.Reader, args ...string) (string, error) {
	cmd := nsCommand(ctx, h.pid, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("host %s: %s: %w: %s", h.Name, describe(args), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// describe shortens a command line for an error message.
func describe(args []string) string {
	s := strings.Join(args, " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// Close stops every process of the host and removes its files; the
// kernel drops its namespace and mounts. It is safe to call twice.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.closeErr = teardown(h.Dir)
		if h.done != nil && h.closeErr == nil {
			select {
			case <-h.done:
			case <-time.After(10 * time.Second):
				h.closeErr = fmt.Errorf("host %s: sshd (pid %d) did not exit", h.Name, h.pid)
			}
		}
		h.lock.release()
	})
	return h.closeErr
}

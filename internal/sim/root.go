package sim

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/runbookhq/runbook/engine/shellquote"
	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

//go:embed unjailed_key_exchange.py
var keyExchangeScript string

// oldRoot is where pivot_root parks the machine's root before it is
// detached.
const oldRoot = "/.sim-oldroot"

// spec is everything needed to lay out one host's files.
type spec struct {
	cfg    hostconf.Config
	layout hostconf.Layout
	faults Faults
	peers  []string
	user   account
	pg     account
	// versionSource is HostOptions.VersionSource.
	versionSource string
	// machineID is HostOptions.MachineID.
	machineID string
	// bashrcNoise and banner are HostOptions.BashrcNoise and .Banner.
	bashrcNoise, banner string
	// requireTTY is HostOptions.RequireTTY.
	requireTTY bool
	// keyScriptPrompts is HostOptions.KeyScriptPrompts.
	keyScriptPrompts bool
	// hostKeyType is HostOptions.HostKeyType.
	hostKeyType string
}

// writeRoot lays out the host's own files in t (the overlay's upper
// layer), authorizing clientPub for the SSH user, and returns the public
// host key.
func (s *spec) writeRoot(t tree, binary, clientPub string) (string, error) {
	steps := []func(tree) error{
		s.writeAccounts,
		s.writeSystem,
		func(t tree) error { return s.writeHome(t, clientPub) },
		func(t tree) error { return s.writeAlation(t, binary) },
		s.writeVersion,
		s.writeDisks,
		s.writePostgres,
	}
	for _, step := range steps {
		if err := step(t); err != nil {
			return "", err
		}
	}
	return s.writeSSHD(t)
}

// writeAccounts writes /etc/passwd, /etc/group and /etc/shadow: the
// machine's, with the SSH user appended.
func (s *spec) writeAccounts(t tree) error {
	u := s.user
	lines := []struct {
		file, line string
		mode       os.FileMode
	}{
		{"/etc/passwd", fmt.Sprintf("%s:x:%d:%d:Alation admin:%s:/bin/bash", u.name, u.uid, u.gid, u.home), 0o644},
		{"/etc/group", fmt.Sprintf("%s:x:%d:", u.name, u.gid), 0o644},
		{"/etc/shadow", fmt.Sprintf("%s:*:%d:0:99999:7:::", u.name, time.Now().Unix()/86400), 0o640},
	}
	for _, l := range lines {
		content, err := withLine(l.file, l.line)
		if err != nil {
			return err
		}
		uid, gid := ownerOf(l.file)
		if err := t.file(l.file, content, l.mode, uid, gid); err != nil {
			return err
		}
	}
	return nil
}

// ownerOf returns the machine file's owner, root when unknown.
func ownerOf(path string) (int, int) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0
	}
	return int(st.Uid), int(st.Gid)
}

// writeSystem writes the host's machine-id, MOTD and sudoers drop-in, and
// the directories its daemons need.
func (s *spec) writeSystem(t tree) error {
	if err := s.writeMachineID(t); err != nil {
		return err
	}
	motd := ""
	if s.faults.MOTD != "" {
		motd = s.faults.MOTD + "\n"
	}
	if err := t.file("/etc/motd", motd, 0o644, 0, 0); err != nil {
		return err
	}
	sudoers := s.user.name + " ALL=(ALL:ALL) NOPASSWD: ALL\n"
	if s.requireTTY {
		// The simulated Alation's own calls to the other host (ssh PEER
		// sudo -n /etc/init.d/alation ...) have no terminal: they stand
		// for what a real Alation does there in ways of its own, so only
		// what runbook runs is held to requiretty.
		sudoers = "Defaults:" + s.user.name + " requiretty\nDefaults!" + hostconf.InitScript + " !requiretty\n" + sudoers
	}
	if err := t.file("/etc/sudoers.d/alation-sim", sudoers, 0o440, 0, 0); err != nil {
		return err
	}
	if err := t.dir("/run/sshd", 0o755, 0, 0); err != nil {
		return err
	}
	if err := t.dir("/run/postgresql", 0o2775, s.pg.uid, s.pg.gid); err != nil {
		return err
	}
	return t.dir(oldRoot, 0o755, 0, 0)
}

// The files that hold a machine's id: systemd's, and D-Bus's, which EL6
// has alone.
const (
	machineIDFile = "/etc/machine-id"
	dbusIDFile    = "/var/lib/dbus/machine-id"
)

// writeMachineID writes the machine id where s.machineID says, hiding the
// machine's own files where the host has none.
func (s *spec) writeMachineID(t tree) error {
	id := s.machineID
	if id == "" || id == MachineIDDBusOnly {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("machine-id: %w", err)
		}
		id = hex.EncodeToString(b)
	}
	for _, f := range []string{machineIDFile, dbusIDFile} {
		var err error
		if s.machineID == MachineIDNone || (f == machineIDFile && s.machineID == MachineIDDBusOnly) {
			err = t.hide(f)
		} else {
			err = t.file(f, id+"\n", 0o444, 0, 0)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeHome writes the SSH user's home: authorized_keys with the
// client's key and a ~/.bashrc that prints the MOTD for every command,
// interactive or not, until ~/.hushlogin exists, when the fault asks.
func (s *spec) writeHome(t tree, clientPub string) error {
	u := s.user
	if err := t.dir(u.home, 0o755, u.uid, u.gid); err != nil {
		return err
	}
	if err := t.dir(u.home+"/.ssh", 0o700, u.uid, u.gid); err != nil {
		return err
	}
	if err := t.file(u.home+"/.ssh/authorized_keys", clientPub+"\n", 0o600, u.uid, u.gid); err != nil {
		return err
	}
	bashrc := "# ~/.bashrc of the simulated Alation host\n"
	if s.faults.MOTD != "" {
		bashrc += "[ -e ~/.hushlogin ] || echo " + shellquote.Quote(s.faults.MOTD) + "\n"
	}
	if s.bashrcNoise != "" {
		bashrc += "echo " + shellquote.Quote(s.bashrcNoise) + "\n"
	}
	return t.file(u.home+"/.bashrc", bashrc, 0o644, u.uid, u.gid)
}

// writeAlation installs the simulated alation command, the Alation
// directory for the version, its state and the key exchange script.
func (s *spec) writeAlation(t tree, binary string) error {
	dir := s.cfg.AlationDir
	if err := t.copyFile(binary, hostconf.InitScript, 0o755); err != nil {
		return err
	}
	b, err := s.cfg.Marshal()
	if err != nil {
		return fmt.Errorf("encode host configuration: %w", err)
	}
	if err := t.file(hostconf.Path, string(b)+"\n", 0o644, 0, 0); err != nil {
		return err
	}
	tools := []string{"alation_conf", "alation_action", "mongo", "psql"}
	if s.cfg.ShellSudoDenied {
		tools = append(tools, "sudo")
	}
	if s.cfg.SSHClient != "" {
		if err := t.symlink(hostconf.InitScript, hostconf.SSHClientPath); err != nil {
			return err
		}
	}
	for _, tool := range tools {
		if err := t.symlink(hostconf.InitScript, s.cfg.SimDir()+"/bin/"+tool); err != nil {
			return err
		}
	}
	if err := t.dir(s.cfg.SimDir(), 0o755, 0, 0); err != nil {
		return err
	}
	if err := s.writeState(t); err != nil {
		return err
	}
	// Valid caches, so that Alation can start; Host.applyFaults breaks
	// them afterwards when asked.
	for _, c := range []struct{ cache, path string }{{dir + "/.disk1_cache", s.cfg.DataDir}, {dir + "/.disk2_cache", s.cfg.BackupDir}} {
		if err := t.file(c.cache, s.cfg.DiskCache(c.cache, c.path), 0o644, 0, 0); err != nil {
			return err
		}
	}
	if err := t.dir(dir+hostconf.ChrootHome+"/.ssh", 0o700, 0, 0); err != nil {
		return err
	}
	// The Alation shell is no chroot; this link makes the chroot's
	// /home/alation resolve as it would inside one.
	if err := t.symlink(dir+hostconf.ChrootHome, hostconf.ChrootHome); err != nil {
		return err
	}
	if !s.layout.HasKeyExchangeScript {
		return nil
	}
	prompts := "False"
	if s.keyScriptPrompts {
		prompts = "True"
	}
	script := strings.NewReplacer("@SSH_USER@", s.user.name, "@PROMPTS@", prompts).Replace(keyExchangeScript)
	return t.file(hostconf.KeyExchangeScript(dir), script, 0o755, 0, 0)
}

// dpkgStatus is the dpkg database, in which the host's Alation package is
// recorded.
const dpkgStatus = "/var/lib/dpkg/status"

// writeVersion shows the Alation version where s.versionSource says: as
// an installed package "alation" in the machine's dpkg database, with a
// Debian revision as packages have, or in ALATION_DIR/VERSION.
func (s *spec) writeVersion(t tree) error {
	switch s.versionSource {
	case VersionInPackage:
		stanza := strings.Join([]string{
			"", "Package: alation", "Status: install ok installed", "Priority: optional", "Section: misc",
			"Maintainer: Alation <support@alation.com>", "Architecture: amd64", "Version: " + s.cfg.Version + "-1",
			"Description: Alation Data Catalog (simulated)",
		}, "\n")
		content, err := withLine(dpkgStatus, stanza)
		if err != nil {
			return err
		}
		return t.file(dpkgStatus, content, 0o644, 0, 0)
	case VersionInFile:
		return t.file(s.cfg.AlationDir+"/VERSION", s.cfg.Version+"\n", 0o644, 0, 0)
	}
	return nil
}

// writeState writes the initial state, with the replication mode fault.
func (s *spec) writeState(t tree) error {
	st := hostconf.DefaultState()
	switch s.faults.ReplicationMode {
	case hostconf.ModeMaster:
		st.Conf.ReplicationMode = hostconf.ModeMaster
	case hostconf.ModeSlave:
		st.Conf.ReplicationMode = hostconf.ModeSlave
		st.Conf.Master = s.faults.Master
	}
	return hostconf.SaveState(filepath.Join(t.root, s.cfg.AlationDir), st)
}

// writeDisks creates the data and backup disks.
func (s *spec) writeDisks(t tree) error {
	for _, d := range []string{s.cfg.DataDir, s.cfg.BackupDir} {
		if err := t.dir(d, 0o755, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// writeSSHD writes the host key and the sshd configuration and returns
// the public host key.
func (s *spec) writeSSHD(t tree) (string, error) {
	if err := t.dir("/etc/ssh", 0o755, 0, 0); err != nil {
		return "", err
	}
	hostKey := "/etc/ssh/ssh_host_" + s.hostKeyType + "_key"
	pub, err := generateKey(t.path(hostKey), s.hostKeyType, "root@"+s.cfg.Name)
	if err != nil {
		return "", err
	}
	conf := strings.Join([]string{
		"ListenAddress " + hostPort(s.cfg.Address, s.cfg.SSHPort),
		"HostKey " + hostKey,
		"PidFile none",
		"UsePAM no",
		"PermitRootLogin no",
		"AllowUsers " + s.user.name,
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"AuthorizedKeysFile .ssh/authorized_keys",
		"StrictModes yes",
		"PrintMotd yes",
		"PrintLastLog no",
		"MaxStartups 100:30:200",
		"MaxSessions 100",
		"Subsystem sftp internal-sftp",
		"",
	}, "\n")
	if s.banner != "" {
		conf += "Banner /etc/ssh/banner\n"
		if err := t.file("/etc/ssh/banner", s.banner+"\n", 0o644, 0, 0); err != nil {
			return "", err
		}
	}
	return pub, t.file("/etc/ssh/sshd_config", conf, 0o644, 0, 0)
}

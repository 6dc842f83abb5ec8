package sim

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// pgHostConf is the host's own PostgreSQL settings. The data directory's
// postgresql.conf includes it by absolute path, so that a standby made by
// pg_basebackup from the primary still reads its own host's settings.
const pgHostConf = "/etc/alation-sim/postgresql.conf"

// pgHBA is the host's own pg_hba.conf, outside the data directory for the
// same reason.
const pgHBA = "/etc/alation-sim/pg_hba.conf"

// writePostgres puts the host's PostgreSQL cluster on its data disk, a
// copy of the cached template, and writes its settings.
func (s *spec) writePostgres(t tree) error {
	template, err := pgTemplate(s.pg)
	if err != nil {
		return err
	}
	pgRoot := filepath.Join(s.cfg.DataDir, "pgsql")
	for _, d := range []string{pgRoot, pgRoot + "/15"} {
		if err := t.dir(d, 0o755, s.pg.uid, s.pg.gid); err != nil {
			return err
		}
	}
	if out, err := exec.Command("cp", "-a", template, t.path(s.cfg.PGDataDir())).CombinedOutput(); err != nil {
		return fmt.Errorf("copy postgresql template: %w: %s", err, strings.TrimSpace(string(out)))
	}
	if err := t.file(pgHostConf, s.pgSettings(), 0o644, 0, 0); err != nil {
		return err
	}
	return t.file(pgHBA, s.pgHBA(), 0o644, 0, 0)
}

// pgSettings are the host's PostgreSQL settings.
func (s *spec) pgSettings() string {
	listen := s.cfg.Address
	if !s.cfg.ListensForPeer(hostconf.PGPort) {
		listen = ""
	}
	return strings.Join([]string{
		fmt.Sprintf("listen_addresses = '%s'", listen),
		fmt.Sprintf("port = %d", hostconf.PGPort),
		fmt.Sprintf("unix_socket_directories = '%s'", hostconf.PGSocketDir),
		fmt.Sprintf("hba_file = '%s'", pgHBA),
		fmt.Sprintf("cluster_name = 'alation-%s'", s.cfg.Name),
		"wal_level = replica",
		"max_wal_senders = 5",
		"wal_keep_size = '64MB'",
		"hot_standby = on",
		"max_connections = 30",
		"shared_buffers = '16MB'",
		"dynamic_shared_memory_type = mmap",
		"fsync = off",
		"",
	}, "\n")
}

// pgHBA allows local connections and replication from the peers.
func (s *spec) pgHBA() string {
	lines := []string{
		"local all all trust",
		"local replication all trust",
		fmt.Sprintf("host all all %s/32 trust", s.cfg.Address),
		fmt.Sprintf("host replication %s %s/32 trust", hostconf.ReplicationRole, s.cfg.Address),
	}
	for _, p := range s.peers {
		lines = append(lines, fmt.Sprintf("host replication %s %s/32 trust", hostconf.ReplicationRole, p))
	}
	return strings.Join(lines, "\n") + "\n"
}

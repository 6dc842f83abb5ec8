package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// templateFormat changes whenever what pgTemplate puts in the template
// changes, so that stale caches are not used.
const templateFormat = "2"

var (
	templateOnce sync.Once
	templatePath string
	templateErr  error
)

// pgTemplate returns a data directory every host copies: initdb'd, with
// the rosemeta database, the replication role and the include of the
// host's own settings. It is made once and kept in the user's cache
// directory, keyed by the server's version.
func pgTemplate(pg account) (string, error) {
	templateOnce.Do(func() { templatePath, templateErr = makeTemplate(pg) })
	return templatePath, templateErr
}

func makeTemplate(pg account) (string, error) {
	version, err := exec.Command(filepath.Join(hostconf.PGBin, "postgres"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("postgres --version: %w", err)
	}
	sum := sha256.Sum256(append(version, templateFormat...))
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "runbook-alation-sim")
	final := filepath.Join(dir, "pgdata-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(final, "PG_VERSION")); err == nil {
		return final, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("postgresql template: %w", err)
	}
	// initdb runs as postgres, which may not pass through the cache
	// directory's parents (/root): it works under the temporary directory
	// and root copies the result.
	work, err := os.MkdirTemp("", "alation-sim-pgdata-")
	if err != nil {
		return "", fmt.Errorf("postgresql template: %w", err)
	}
	defer os.RemoveAll(work)
	data := filepath.Join(work, "data")
	if err := setOwnerMode(work, 0o755, pg.uid, pg.gid); err != nil {
		return "", fmt.Errorf("postgresql template: %w", err)
	}
	if err := checkSearchable(work); err != nil {
		return "", fmt.Errorf("postgresql template: %w", err)
	}
	if err := initTemplate(pg, data); err != nil {
		return "", fmt.Errorf("postgresql template: %w", err)
	}
	tmp := final + fmt.Sprintf(".tmp-%d", os.Getpid())
	defer os.RemoveAll(tmp)
	if out, err := exec.Command("cp", "-a", data, tmp).CombinedOutput(); err != nil {
		return "", fmt.Errorf("postgresql template: %w: %s", err, strings.TrimSpace(string(out)))
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, serr := os.Stat(filepath.Join(final, "PG_VERSION")); serr == nil {
			return final, nil // another process made it first
		}
		return "", fmt.Errorf("postgresql template: %w", err)
	}
	return final, nil
}

// initTemplate creates the cluster in data.
func initTemplate(pg account, data string) error {
	if err := asPostgres(pg, nil, "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions", "--wal-segsize=1"); err != nil {
		return err
	}
	setup := fmt.Sprintf("CREATE DATABASE %s;\nCREATE ROLE %s WITH REPLICATION LOGIN;\n", hostconf.Database, hostconf.ReplicationRole)
	if err := asPostgres(pg, strings.NewReader(setup), "postgres", "--single", "-D", data, "-c", "fsync=off", "postgres"); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("postgresql.conf: %w", err)
	}
	_, err = fmt.Fprintf(f, "\n# The simulated host's own settings.\ninclude '%s'\n", pgHostConf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("postgresql.conf: %w", err)
	}
	return nil
}

// asPostgres runs a PostgreSQL program as the postgres user on the
// machine, outside any namespace, with stdin.
func asPostgres(pg account, stdin *strings.Reader, program string, args ...string) error {
	cmd := exec.Command(filepath.Join(hostconf.PGBin, program), args...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + pg.home}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(pg.uid), Gid: uint32(pg.gid)}}
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", program, err, strings.TrimSpace(out.String()))
	}
	return nil
}

package alation

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/runbookhq/runbook/engine/transport"
)

// serverVersionNum reads PostgreSQL's server_version_num in the Alation
// shell of h.
func serverVersionNum(ctx context.Context, h transport.Host) (int, error) {
	res, err := runInShell(ctx, h, "psql rosemeta -Atc 'SHOW server_version_num'")
	out, err := mustOK(res, err, "read the PostgreSQL server_version_num")
	if err != nil {
		return 0, err
	}
	n, err := parseNumber(lastLine(out))
	if err != nil {
		return 0, fmt.Errorf("read the PostgreSQL server_version_num: %w", err)
	}
	return int(n), nil
}

// superPSQL starts an Alation shell line that may call superpsql: psql on
// rosemeta as a role that sees what only superusers see (the state and lag
// in pg_stat_replication, SHOW data_directory, pg_stat_wal_receiver's
// conninfo). That is the shell's own role when it is a superuser, else the
// postgres OS user's, through sudo (checkPGRights says when neither can).
const superPSQL = `superpsql() { if [ "$(psql rosemeta -Atc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" = t ]; then psql rosemeta "$@"; else sudo -n -u postgres psql rosemeta "$@"; fi; }; `

// dataDirExpr is the shell word, for a line after superPSQL, that
// PostgreSQL's data directory expands to.
const dataDirExpr = `"$(superpsql -Atc 'SHOW data_directory')"`

// pgDataBytes measures PostgreSQL's data directory on h as the procedure
// does, with sudo du in the Alation shell, whose user may not read it.
func pgDataBytes(ctx context.Context, h transport.Host) (int64, error) {
	return duBytes(ctx, h, dataDirExpr)
}

// pgDataDir reads where PostgreSQL keeps its data on h, for measuring it
// while PostgreSQL is stopped, as it is while its data is replaced. The
// path comes from the host: only an absolute one is taken.
func pgDataDir(ctx context.Context, h transport.Host) (string, error) {
	res, err := runInShell(ctx, h, superPSQL+"superpsql -Atc 'SHOW data_directory'")
	out, err := mustOK(res, err, "read the PostgreSQL data directory")
	if err != nil {
		return "", err
	}
	dir := lastLine(out)
	if !strings.HasPrefix(dir, "/") {
		return "", fmt.Errorf("read the PostgreSQL data directory: %q is not an absolute path", dir)
	}
	return dir, nil
}

// duBytes measures the directory that the shell word dir names, with
// sudo du in the Alation shell of h.
func duBytes(ctx context.Context, h transport.Host, dir string) (int64, error) {
	res, err := runInShell(ctx, h, superPSQL+"sudo -n du -sb "+dir)
	out, err := mustOK(res, err, "measure the PostgreSQL data directory")
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(lastLine(out))
	if len(fields) == 0 {
		return 0, fmt.Errorf("measure the PostgreSQL data directory: du printed nothing")
	}
	n, err := parseNumber(fields[0])
	if err != nil {
		return 0, fmt.Errorf("measure the PostgreSQL data directory: %w", err)
	}
	return n, nil
}

// parseNumber reads a whole number, which may be written as a decimal
// with a zero fraction (as pg_wal_lsn_diff returns numeric).
func parseNumber(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if strings.Trim(frac, "0") != "" {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

// lastLine returns the last non-empty line of out.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

package alation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/runbookhq/runbook/engine/transport"
)

// ErrMissingRights is wrapped by the error of alation_facts when the
// Alation shell's user and PostgreSQL role cannot read what the playbook
// reads: the PostgreSQL size with sudo du, and replication state as a
// superuser.
var ErrMissingRights = errors.New("missing rights in the Alation shell")

// rightsQuery is the Alation shell lines that print what checkPGRights
// parses: "role NAME t|f" (the shell's PostgreSQL role and whether it is
// a superuser), "du ERROR" (what sudo du said, if it refused) and
// "postgres 1" when psql runs as the postgres OS user through sudo.
var rightsQuery = []string{
	`echo "role $(psql rosemeta -Atc "SELECT current_user || ' ' || rolsuper FROM pg_roles WHERE rolname = current_user")"`,
	`echo "du $(said=$(sudo -n du --version 2>&1 >/dev/null) || echo "${said:-refused}" | head -n 1)"`,
	`echo "postgres $(sudo -n -u postgres psql rosemeta -Atc 'SELECT 1' 2>&1 | tail -n 1)"`,
}

// checkPGRights checks on h, named host, that the Alation shell can run du
// with sudo, and that it reads PostgreSQL as a superuser, as its own role
// or as the postgres OS user. An error wrapping ErrMissingRights names
// what is missing and how to give it; any other error means PostgreSQL
// could not be read at all.
func checkPGRights(ctx context.Context, h transport.Host, host string) error {
	res, err := runInShell(ctx, h, rightsQuery...)
	out, err := mustOK(res, err, "read the Alation shell's rights")
	if err != nil {
		return err
	}
	facts := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		label, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		facts[label] = strings.TrimSpace(value)
	}
	role, super, _ := strings.Cut(facts["role"], " ")
	if role == "" {
		return fmt.Errorf("read the Alation shell's PostgreSQL role: psql printed nothing")
	}
	var missing, fixes []string
	if du := facts["du"]; du != "" {
		missing = append(missing, "sudo for du, which measures the PostgreSQL data directory as the procedure does (sudo said: "+du+")")
		fixes = append(fixes, "let the Alation shell user run du with sudo")
	}
	if super != "t" && facts["postgres"] != "1" {
		missing = append(missing, fmt.Sprintf("superuser rights in PostgreSQL: the shell's role %s is not a superuser, so pg_stat_replication hides state and lag and SHOW data_directory is refused, and sudo -u postgres psql failed (%s)", role, facts["postgres"]))
		fixes = append(fixes, fmt.Sprintf("let it run psql as postgres with sudo, or make %s a superuser (ALTER ROLE %s SUPERUSER)", role, role))
	}
	if missing == nil {
		return nil
	}
	return fmt.Errorf("%w on %s: it lacks %s; %s", ErrMissingRights, host, strings.Join(missing, ", and "), strings.Join(fixes, "; "))
}

package alation

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/runbookhq/runbook/engine/transport"
)

// servicesRunning asks `/etc/init.d/alation status` whether the services
// run (see parseStatus); down lists the lines of its report that name a
// service not running.
func servicesRunning(ctx context.Context, h transport.Host) (running bool, down []string, err error) {
	res, err := runRoot(ctx, h, initScript+" status")
	if err != nil {
		return false, nil, fmt.Errorf("ask %s status: %w", initScript, err)
	}
	return parseStatus(res)
}

var (
	// statusDownPattern matches a line of a status report about a service
	// that does not run: "is stopped", "is not running" and "dead but pid
	// file exists" or "dead but subsys locked" (the status function of Red
	// Hat's /etc/init.d/functions), or supervisorctl's STOPPED, FATAL,
	// EXITED, BACKOFF and STARTING (not yet running).
	statusDownPattern = regexp.MustCompile(`(?i)\b(stopped|not running|dead|failed|inactive)\b|\b(FATAL|EXITED|BACKOFF|STARTING)\b`)
	// statusUpPattern matches a line about a service that runs: "is
	// running", "(pid N) is running..." or supervisorctl's RUNNING.
	statusUpPattern = regexp.MustCompile(`(?i)\brunning\b`)
)

// parseStatus reads the result of `/etc/init.d/alation status`, which
// may sum the services up in one line or list them one by one, and exit
// with the LSB codes (0 running; 1, 2 or 3 not) or 0 whatever they do.
// The services run when no line names one down and the status is 0 with
// a line naming one running, or nothing printed at all (the LSB code
// alone). They do not when a line names one down, whatever the status,
// or the status is 1, 2 or 3; down lists such lines. A report that exits
// 0 and names no service running or down is a wording this cannot read,
// and an error quoting it, as is any other status.
func parseStatus(res transport.Result) (running bool, down []string, err error) {
	out := strings.TrimSpace(string(res.Stdout))
	up := false
	for _, line := range strings.Split(out, "\n") {
		switch line = strings.TrimSpace(line); {
		case statusDownPattern.MatchString(line):
			down = append(down, line)
		case statusUpPattern.MatchString(line):
			up = true
		}
	}
	switch {
	case down != nil:
		return false, down, nil
	case res.ExitCode >= 1 && res.ExitCode <= 3:
		return false, nil, nil
	case res.OK() && (up || out == ""):
		return true, nil, nil
	case res.OK():
		return false, nil, fmt.Errorf("%s status exited 0, but its report names no service running or stopped: %q; check the services by hand and start them with %s start", initScript, quoteReport(out), initScript)
	}
	return false, nil, fmt.Errorf("%s status: exit status %d%s", initScript, res.ExitCode, said(res))
}

// quoteReport returns the first lines of a report, for an error to quote.
func quoteReport(out string) string {
	lines := strings.Split(out, "\n")
	if len(lines) > 5 {
		lines = append(lines[:5], "…")
	}
	return strings.Join(lines, "\n")
}

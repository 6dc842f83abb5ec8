package alation

import (
	"context"
	"fmt"
	"strings"

	"github.com/runbookhq/runbook/engine/transport"
)

// servicesRunning asks `/etc/init.d/alation status` whether the services
// run: exit status 0 means they do, 3 (the LSB "not running") that they
// do not; any other status is an error.
func servicesRunning(ctx context.Context, h transport.Host) (bool, error) {
	res, err := runRoot(ctx, h, initScript+" status")
	if err != nil {
		return false, fmt.Errorf("ask %s status: %w", initScript, err)
	}
	return parseStatus(res)
}

// parseStatus reads the result of `/etc/init.d/alation status`.
func parseStatus(res transport.Result) (bool, error) {
	switch {
	case res.OK():
		return !strings.Contains(strings.ToLower(string(res.Stdout)), "stopped"), nil
	case res.ExitCode == 3:
		return false, nil
	}
	return false, fmt.Errorf("%s status: exit status %d%s", initScript, res.ExitCode, said(res))
}

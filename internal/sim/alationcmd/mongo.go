package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// syncedToLayout is how the mongo shell prints a date (JavaScript's
// Date.toString).
const syncedToLayout = "Mon Jan 02 2006 15:04:05 GMT-0700 (MST)"

// mongoCommand implements the only use of the mongo shell the procedure
// makes: `mongo [--quiet] --eval 'rs.printSlaveReplicationInfo()'` (or
// printSecondaryReplicationInfo).
func (h *host) mongoCommand(args []string) error {
	quiet, eval := false, ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--quiet":
			quiet = true
		case a == "--eval" && i+1 < len(args):
			eval = args[i+1]
			i++
		case strings.HasPrefix(a, "--eval="):
			eval = strings.TrimPrefix(a, "--eval=")
		default:
			return &exitError{code: 2, msg: fmt.Sprintf("mongo (simulated): unsupported argument %q; use --eval 'rs.printSecondaryReplicationInfo()'", a)}
		}
	}
	switch strings.TrimSuffix(strings.TrimSpace(eval), ";") {
	case "rs.printSlaveReplicationInfo()", "rs.printSecondaryReplicationInfo()":
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("mongo (simulated): cannot evaluate %q: only rs.printSlaveReplicationInfo() and rs.printSecondaryReplicationInfo() are simulated", eval)}
	}
	if !quiet {
		fmt.Printf("MongoDB shell version (simulated)\nconnecting to: mongodb://%s:%d/\n", h.cfg.Address, hostconf.MongoPort)
	}
	if !h.servicesRunning() || h.cfg.PortClosed(hostconf.MongoPort) {
		return fmt.Errorf("couldn't connect to server %s: connection refused", net.JoinHostPort(h.cfg.Address, strconv.Itoa(hostconf.MongoPort)))
	}
	s, err := h.readState()
	if err != nil {
		return err
	}
	if len(s.Mongo) == 0 {
		return errors.New("error: no replication has been set up on this host (not a replica set primary with secondaries)")
	}
	now := time.Now().UTC()
	for _, sec := range s.Mongo {
		lag := h.mongoLag(now.Sub(sec.Started))
		h.printLag(sec.Source, now.Add(-time.Duration(lag)*time.Second).Format(syncedToLayout), lag)
	}
	if h.cfg.MongoArbiter {
		h.printArbiter(net.JoinHostPort(h.cfg.Address, strconv.Itoa(hostconf.MongoPort+1)))
	}
	return nil
}

// printLag prints one secondary's lag in the wording of the host's mongo
// shell.
func (h *host) printLag(source, syncedTo string, lag int64) {
	switch h.cfg.MongoShell {
	case hostconf.Mongo24:
		fmt.Printf("source:   %s\n\t syncedTo: %s\n\t\t = %d secs ago (%shrs)\n", source, syncedTo, lag, formatHours(lag))
	case hostconf.MongoSH:
		fmt.Printf("source: %s\n{\n  syncedTo: '%s',\n  replLag: '%d secs (%s hrs) behind the primary '\n}\n", source, syncedTo, lag, formatHours(lag))
	default:
		fmt.Printf("source: %s\n\tsyncedTo: %s\n\t%d secs (%s hrs) behind the primary \n", source, syncedTo, lag, formatHours(lag))
	}
}

// printArbiter prints an arbiter, which has no replication info, in the
// wording of the host's mongo shell.
func (h *host) printArbiter(source string) {
	if h.cfg.MongoShell == hostconf.MongoSH {
		fmt.Printf("source: %s\n{\n  'no replication info, yet': 'State: ARBITER'\n}\n", source)
		return
	}
	fmt.Printf("source: %s\n\tno replication info, yet.  State: ARBITER\n", source)
}

// mongoLag is the lag in seconds after replication has run for elapsed:
// it falls linearly from the initial lag to zero over the catch-up time.
func (h *host) mongoLag(elapsed time.Duration) int64 {
	initial, catchUp := h.cfg.MongoInitialLag, h.cfg.MongoCatchUp
	if elapsed >= catchUp || catchUp <= 0 {
		return 0
	}
	left := float64(catchUp-elapsed) / float64(catchUp)
	return int64(initial.Seconds() * left)
}

// formatHours prints lag/3600 rounded to two decimals the way the mongo
// shell does (Math.round(secs/36)/100).
func formatHours(secs int64) string {
	return strconv.FormatFloat(math.Round(float64(secs)/36)/100, 'f', -1, 64)
}

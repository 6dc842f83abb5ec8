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
		fmt.Printf("source: %s\n", sec.Source)
		fmt.Printf("\tsyncedTo: %s\n", now.Add(-time.Duration(lag)*time.Second).Format(syncedToLayout))
		fmt.Printf("\t%d secs (%s hrs) behind the primary \n", lag, formatHours(lag))
	}
	return nil
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

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/runbookhq/runbook/internal/sim"
)

// errNotStreaming is status's error when the pair does not replicate;
// status has already printed why.
var errNotStreaming = errors.New("the pair does not replicate")

// statusTimeout bounds the reads status makes on the hosts.
const statusTimeout = time.Minute

// status implements `alation-sim status`.
func status(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", sim.DefaultDir, "directory keeping the pair's state")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("status: unexpected argument %q", fs.Arg(0))
	}
	p, err := sim.Open(*dir)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
	defer cancel()
	s := readPair(ctx, p)
	printStatus(stdout, s)
	problems := s.problems()
	if len(problems) == 0 {
		fmt.Fprintln(stdout, "Replication: streaming")
		return nil
	}
	fmt.Fprintln(stdout, "Replication: not streaming")
	for _, pr := range problems {
		fmt.Fprintf(stdout, "  - %s\n", pr)
	}
	return errNotStreaming
}

// printStatus prints what was read on each host.
func printStatus(w io.Writer, s pairState) {
	fmt.Fprintf(w, "Simulated Alation pair in %s\n", s.pair.Dir)
	for _, h := range []hostState{s.primary, s.secondary} {
		fmt.Fprintf(w, "\n%s %s: Alation %s, %s\n", h.host.Name, h.host.Address, h.version, h.services)
		row(w, "replication_mode", h.mode)
		row(w, "cluster hosts", h.clusterHosts)
		row(w, "streams from", h.upstream)
		if h.host == s.pair.Primary {
			printReplicas(w, s)
			printMongo(w, s)
		} else {
			row(w, "pg_is_in_recovery", s.recovery)
		}
	}
	fmt.Fprintln(w)
}

// row prints one labelled value of a host.
func row(w io.Writer, label string, value any) {
	fmt.Fprintf(w, "  %-20s %v\n", label, value)
}

// printReplicas prints the primary's pg_stat_replication.
func printReplicas(w io.Writer, s pairState) {
	switch {
	case s.replicasErr != nil:
		row(w, "pg_stat_replication", reading{err: s.replicasErr})
	case len(s.replicas) == 0:
		row(w, "pg_stat_replication", "no standby")
	default:
		row(w, "pg_stat_replication", fmt.Sprintf("%-15s  %-10s  %s", "client_addr", "state", "byte lag (sent - replayed)"))
		for _, r := range s.replicas {
			row(w, "", fmt.Sprintf("%-15s  %-10s  %s", r.clientAddr, r.state, r.byteLag))
		}
	}
}

// printMongo prints the Mongo replication lag the primary reports.
func printMongo(w io.Writer, s pairState) {
	switch {
	case s.mongoErr != nil:
		row(w, "mongo lag", reading{err: s.mongoErr})
	case len(s.mongo) == 0:
		row(w, "mongo lag", "no secondary")
	default:
		for _, m := range s.mongo {
			row(w, "mongo lag", m.source+": "+m.lag)
		}
	}
}

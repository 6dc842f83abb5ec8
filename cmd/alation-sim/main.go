package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/runbookhq/runbook/internal/sim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  alation-sim up [flags]       start a simulated Alation HA pair
  alation-sim status [-dir D]  show its replication state
  alation-sim down [-dir D]    stop it and remove everything it made
run "alation-sim up -h" for the flags`

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "up":
		err = up(args[1:], stdout, stderr)
	case "status":
		err = status(args[1:], stdout, stderr)
	case "down":
		err = down(args[1:], stdout, stderr)
	default:
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errNotStreaming):
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "alation-sim: %v\n", err)
		return 1
	}
	return 0
}

// up implements `alation-sim up`.
func up(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts sim.PairOptions
	fs.StringVar(&opts.Dir, "dir", sim.DefaultDir, "directory keeping the pair's state")
	fs.StringVar(&opts.Primary.Address, "primary", "", "primary's loopback address (127.x.y.z); by default the first free one from 127.0.2.1")
	fs.StringVar(&opts.Secondary.Address, "secondary", "", "secondary's loopback address (127.x.y.z); by default the next free one")
	fs.IntVar(&opts.Primary.SSHPort, "port", sim.DefaultSSHPort, "sshd port of both hosts")
	fs.StringVar(&opts.Primary.User, "user", sim.DefaultUser, "SSH user of both hosts")
	version := fs.String("version", sim.DefaultVersion, "Alation version of both hosts (e.g. 4.7.2, 3.12.1, 4.8.0)")
	catchUp := fs.Duration("mongo-catch-up", sim.DefaultMongoCatchUp, "time the simulated Mongo lag takes to reach zero")
	profile := fs.String("profile", "", "a profile file describing the pair (see internal/sim/README.md); its knobs win over -version, and -fault applies after it")
	var faults faultFlags
	fs.Var(&faults, "fault", "HOST:FAULT, repeatable; HOST is primary or secondary; FAULT is one of\n"+faultHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("up: unexpected argument %q", fs.Arg(0))
	}
	opts.Secondary.SSHPort, opts.Secondary.User = opts.Primary.SSHPort, opts.Primary.User
	for _, h := range []*sim.HostOptions{&opts.Primary, &opts.Secondary} {
		h.Version, h.MongoCatchUp = *version, *catchUp
	}
	var profileVars []string
	if *profile != "" {
		p, err := sim.LoadProfile(*profile)
		if err != nil {
			return err
		}
		if err := p.Apply(&opts); err != nil {
			return fmt.Errorf("profile %s: %w", *profile, err)
		}
		profileVars = p.VarArgs()
	}
	if err := faults.apply(&opts); err != nil {
		return err
	}
	start := time.Now()
	p, err := sim.Up(opts)
	if err != nil {
		return err
	}
	varFile, err := writeVarFile(p, profileVars...)
	if err != nil {
		return errors.Join(err, p.Close())
	}
	printPair(stdout, p, varFile, time.Since(start))
	return nil
}

// down implements `alation-sim down`.
func down(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("down", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", sim.DefaultDir, "directory keeping the pair's state")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := sim.Down(*dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Simulated Alation pair in %s is down\n", *dir)
	return nil
}

// faultHelp lists the faults -fault accepts.
const faultHelp = `  invalid-disks        .disk*_cache name missing directories
  stopped              Alation services are stopped
  mode=master|slave    replication mode other than standalone
  master=ADDRESS       the primary a slave follows
  motd[=TEXT]          a MOTD dirties every login until ~/.hushlogin exists
  closed-port=PORT     5432, 27017 or 8088 is not listened on
  version=VERSION      this host's Alation version
  version-in=package|file|none
                       where the host shows its version (default: package)`

// faultFlags collects -fault values in order.
type faultFlags []string

// String returns the faults given so far.
func (f *faultFlags) String() string { return strings.Join(*f, ",") }

// Set adds one -fault value.
func (f *faultFlags) Set(v string) error { *f = append(*f, v); return nil }

// apply sets each fault on its host.
func (f faultFlags) apply(opts *sim.PairOptions) error {
	for _, v := range f {
		hostName, fault, ok := strings.Cut(v, ":")
		var h *sim.HostOptions
		switch {
		case ok && hostName == "primary":
			h = &opts.Primary
		case ok && hostName == "secondary":
			h = &opts.Secondary
		default:
			return fmt.Errorf("-fault %q: want primary:FAULT or secondary:FAULT", v)
		}
		if err := setFault(h, fault); err != nil {
			return fmt.Errorf("-fault %q: %w", v, err)
		}
	}
	return nil
}

// setFault applies one FAULT[=VALUE] to h.
func setFault(h *sim.HostOptions, fault string) error {
	name, value, hasValue := strings.Cut(fault, "=")
	switch name {
	case "invalid-disks":
		h.Faults.InvalidDisks = true
	case "stopped":
		h.Faults.ServicesStopped = true
	case "mode":
		h.Faults.ReplicationMode = value
	case "master":
		h.Faults.Master = value
	case "motd":
		h.Faults.MOTD = sim.DefaultMOTD
		if hasValue {
			h.Faults.MOTD = value
		}
	case "closed-port":
		port, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("port %q is not a number", value)
		}
		h.Faults.ClosedPorts = append(h.Faults.ClosedPorts, port)
	case "version":
		h.Version = value
	case "version-in":
		h.VersionSource = value
	default:
		return errors.New("unknown fault; see -h")
	}
	return nil
}

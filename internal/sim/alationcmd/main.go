package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// exitError carries an exit status other than 1 together with a message.
type exitError struct {
	code int
	msg  string
}

// Error returns the message.
func (e *exitError) Error() string { return e.msg }

func main() {
	name := filepath.Base(os.Args[0])
	err := run(name, os.Args[1:])
	if err == nil {
		return
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, ee.msg)
		}
		os.Exit(ee.code)
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}

// run dispatches on the name the program was run as.
func run(name string, args []string) error {
	cfg, err := hostconf.Load(hostconf.Path)
	if err != nil {
		return err
	}
	h := &host{cfg: cfg}
	switch name {
	case "alation_conf":
		return h.confCommand(args)
	case "alation_action":
		return h.actionCommand(args)
	case "mongo":
		return h.mongoCommand(args)
	case "psql":
		return h.psqlCommand(args)
	case "sudo":
		return deniedSudo()
	case "ssh":
		return h.oldSSH(args)
	default:
		return h.alationCommand(args)
	}
}

// host is the simulated host the program runs on.
type host struct {
	cfg *hostconf.Config
}

// alationCommand implements /etc/init.d/alation SUBCOMMAND.
func (h *host) alationCommand(args []string) error {
	if len(args) == 0 {
		return &exitError{code: 2, msg: "usage: alation {status|start|stop|init DATA BACKUP|shell [-c CMD]}"}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "status":
		return h.status()
	case "start":
		return h.start()
	case "stop":
		return h.stop()
	case "init":
		return h.initDisks(rest)
	case "shell":
		return h.shell(rest)
	case "services":
		return h.serveServices()
	case "peer":
		return h.peerCommand(rest)
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("alation: unknown command %q", sub)}
	}
}

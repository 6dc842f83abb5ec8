package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// action is one alation_action.
type action struct {
	// minVersion, when set, is the first MAJOR.MINOR that has the action.
	minVersion [2]int
	run        func(h *host) error
}

// actions are the alation_action names the simulation knows.
var actions = map[string]action{
	"cluster_enter_standalone_mode": {run: (*host).enterStandalone},
	"cluster_enter_master_mode":     {run: (*host).enterMaster},
	"cluster_add_slaves":            {run: (*host).addSlaves},
	"cluster_replicate_postgres":    {run: (*host).replicatePostgres},
	"cluster_generate_keys":         {minVersion: [2]int{4, 8}, run: (*host).generateKeys},
}

// actionCommand implements `alation_action NAME`.
func (h *host) actionCommand(args []string) error {
	if len(args) != 1 {
		return &exitError{code: 2, msg: "usage: alation_action ACTION"}
	}
	a, ok := actions[args[0]]
	if ok && a.minVersion != [2]int{} && !hostconf.AtLeast(h.cfg.Version, a.minVersion[0], a.minVersion[1]) {
		ok = false
	}
	if !ok {
		return fmt.Errorf("unknown action %q for Alation %s (known: %s)", args[0], h.cfg.Version, strings.Join(h.knownActions(), ", "))
	}
	if err := h.countAction(args[0]); err != nil {
		return err
	}
	if slices.Contains(h.cfg.NoOpActions, args[0]) {
		fmt.Printf("%s: done\n", args[0])
		return nil
	}
	if slices.Contains(h.cfg.SlowActions, args[0]) {
		fmt.Printf("%s: working, this can take a while\n", args[0])
		time.Sleep(h.cfg.ActionDelay)
	}
	if err := a.run(h); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	if slices.Contains(h.cfg.FailingActions, args[0]) {
		return &exitError{code: 1, msg: args[0] + ": warning: could not notify the other services; done"}
	}
	return nil
}

// countAction records in the host's state that the action name started.
func (h *host) countAction(name string) error {
	return h.updateState(func(s *hostconf.State) error {
		if s.Actions == nil {
			s.Actions = map[string]int{}
		}
		s.Actions[name]++
		return nil
	})
}

// knownActions lists the actions of this host's version, sorted.
func (h *host) knownActions() []string {
	var names []string
	for name, a := range actions {
		if a.minVersion == [2]int{} || hostconf.AtLeast(h.cfg.Version, a.minVersion[0], a.minVersion[1]) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// enterStandalone leaves any cluster: mode standalone, no master, and a
// standby PostgreSQL promoted to a writable server.
func (h *host) enterStandalone() error {
	if err := h.pgPromote(); err != nil {
		return err
	}
	err := h.updateState(func(s *hostconf.State) error {
		s.Conf.ReplicationMode = hostconf.ModeStandalone
		s.Conf.Master = ""
		s.Mongo = nil
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Println("alation.cluster.replication_mode = standalone")
	return nil
}

// enterMaster makes a standalone host (or a master again) the primary.
func (h *host) enterMaster() error {
	err := h.updateState(func(s *hostconf.State) error {
		switch s.Conf.ReplicationMode {
		case hostconf.ModeStandalone, hostconf.ModeMaster:
			s.Conf.ReplicationMode = hostconf.ModeMaster
			return nil
		}
		return fmt.Errorf("this host is a secondary (replication_mode %s, master %q): run cluster_enter_standalone_mode first",
			s.Conf.ReplicationMode, s.Conf.Master)
	})
	if err != nil {
		return err
	}
	fmt.Println("alation.cluster.replication_mode = master")
	return nil
}

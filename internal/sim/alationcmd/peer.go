package main

import (
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// peerReport is what a secondary tells a primary about itself.
type peerReport struct {
	Version      string `json:"version"`
	Mode         string `json:"mode"`
	Master       string `json:"master"`
	Running      bool   `json:"running"`
	PGReplInLine bool   `json:"pg_repl_in_line"`
}

// peerCommand implements `alation peer check` and `alation peer attach
// PRIMARY`, what a primary runs on a secondary during cluster_add_slaves.
func (h *host) peerCommand(args []string) error {
	switch {
	case len(args) == 1 && args[0] == "check":
		s, err := h.readState()
		if err != nil {
			return err
		}
		b, err := json.Marshal(peerReport{
			Version: h.cfg.Version, Mode: s.Conf.ReplicationMode, Master: s.Conf.Master,
			Running: h.pgRunning() && h.servicesRunning(), PGReplInLine: s.Conf.PGReplInLine,
		})
		if err != nil {
			return err
		}
		fmt.Println(string(b))
		return nil
	case len(args) == 2 && args[0] == "attach":
		primary := args[1]
		if _, err := netip.ParseAddr(primary); err != nil {
			return fmt.Errorf("peer attach: invalid primary address %q", primary)
		}
		return h.updateState(func(s *hostconf.State) error {
			if err := canAttach(s.Conf.ReplicationMode, s.Conf.Master, primary); err != nil {
				return fmt.Errorf("peer attach: %w", err)
			}
			s.Conf.ReplicationMode = hostconf.ModeSlave
			s.Conf.Master = primary
			return nil
		})
	}
	return &exitError{code: 2, msg: "usage: alation peer {check|attach PRIMARY}"}
}

// canAttach tells whether a host in mode, following master, may become a
// secondary of primary.
func canAttach(mode, master, primary string) error {
	switch {
	case mode == hostconf.ModeStandalone:
		return nil
	case mode == hostconf.ModeSlave && master == primary:
		return nil
	case mode == hostconf.ModeSlave:
		return fmt.Errorf("it is a secondary attached to another primary (%s): run cluster_enter_standalone_mode on it first", master)
	default:
		return fmt.Errorf("it is in %s mode, not standalone: run cluster_enter_standalone_mode on it first", mode)
	}
}

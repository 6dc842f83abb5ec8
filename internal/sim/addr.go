package sim

import (
	"errors"
	"fmt"
	"net"

	"github.com/runbookhq/runbook/internal/sim/hostconf"
)

// addrLock is a claim on a loopback address: a listening socket in the
// abstract unix namespace, held for a simulated host's life and released
// by the kernel if the process dies. It leaves no file behind.
type addrLock struct{ l net.Listener }

func (l *addrLock) release() {
	if l != nil && l.l != nil {
		l.l.Close()
	}
}

// lockAddress claims addr among the processes of this machine that use
// the simulation, then checks that nothing listens on the host's ports.
func lockAddress(addr string, sshPort int) (*addrLock, error) {
	claim, err := net.Listen("unix", "@runbook-alation-sim/"+addr)
	if err != nil {
		return nil, fmt.Errorf("address %s is used by another simulated host", addr)
	}
	for _, port := range []int{sshPort, hostconf.PGPort, hostconf.MongoPort, hostconf.KVStorePort} {
		l, err := net.Listen("tcp", hostPort(addr, port))
		if err != nil {
			claim.Close()
			return nil, fmt.Errorf("address %s: port %d is in use: %w", addr, port, err)
		}
		l.Close()
	}
	return &addrLock{l: claim}, nil
}

// errNoFreeAddress is returned when every candidate address is taken.
var errNoFreeAddress = errors.New("no free loopback address in 127.0.2.1-127.0.250.254")

// allocateAddress claims the first free address from 127.0.2.1 on,
// skipping those in skip.
func allocateAddress(sshPort int, skip map[string]bool) (string, *addrLock, error) {
	for third := 2; third <= 250; third++ {
		for fourth := 1; fourth <= 254; fourth++ {
			addr := fmt.Sprintf("127.0.%d.%d", third, fourth)
			if skip[addr] {
				continue
			}
			if l, err := lockAddress(addr, sshPort); err == nil {
				return addr, l, nil
			}
		}
	}
	return "", nil, errNoFreeAddress
}

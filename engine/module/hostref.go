package module

import "errors"

// ErrNotPeer is wrapped by the error of Env.Peer for a host that no
// HostRef argument of the task names.
var ErrNotPeer = errors.New("not a peer of the task: name it in a host argument")

// HostRef is the type of a module argument that names another host of the
// inventory, a peer, for modules that work between two hosts. A playbook
// sets it to a host object, host.NAME, or to a host's name as a string
// (such as a host variable that holds one); either way it must be known
// when the playbook loads, so it cannot depend on the outputs of tasks,
// and it must name a declared host.
//
// An instance whose module has a HostRef argument holds that host as well
// as its own: plan and graph show the peer, a limit that leaves the peer
// out skips the instance, the instance counts against the peer's per-host
// limit, and the journal records it. The module reaches the peer through
// Env.Peer, whose commands are labelled with the peer's name and whose
// connection failures make the peer, not the instance's own host,
// unreachable.
//
// The engine fills both fields from the inventory; a module reads Address
// as the address the inventory gives the peer (its host block's address,
// else its name).
type HostRef struct {
	// Name is the peer's name in the inventory.
	Name string
	// Address is the peer's address, as its host block gives it.
	Address string
}

// String returns the peer's name.
func (r HostRef) String() string { return r.Name }

// IsZero reports whether r names no host, as an optional HostRef argument
// that the task does not set.
func (r HostRef) IsZero() bool { return r.Name == "" }

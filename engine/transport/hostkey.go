package transport

import (
	"context"
	"errors"
)

// HostKeyer is implemented by transports that verify the host they reach
// by its key, as SSH does. Modules that make two hosts trust each other,
// such as one that writes a host's key into its peer's known_hosts, use it
// to learn a key the control node has verified rather than one the host
// merely claims.
type HostKeyer interface {
	// HostKey returns the public host key, in the SSH wire format, that
	// the transport verified when it connected, connecting first when it
	// has not yet. It fails with ErrHostKeyUnverified when the
	// transport accepted the key without checking it.
	HostKey(ctx context.Context) ([]byte, error)
}

// ErrHostKeyUnverified is wrapped by the error of HostKeyer.HostKey when
// the host's key was not checked, as with host key checking off.
var ErrHostKeyUnverified = errors.New("the host key was not verified")

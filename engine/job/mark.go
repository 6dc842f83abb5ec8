package job

import (
	"time"

	"github.com/runbookhq/runbook/engine/transport"
)

// The ends a Mark records (Mark.End).
const (
	// EndExited: the job recorded its exit; Mark.ExitCode, Mark.Signal
	// and Mark.Tail say how, and its files may be gone.
	EndExited = "exited"
	// EndLost: the job was Lost (a reboot, a process killed outside
	// runbook) or never started; what it did is unknown.
	EndLost = "lost"
	// EndKilled: the operator had runbook kill the job before it ended.
	EndKilled = "killed"
	// EndAbandoned: the operator gave the job up before it was known to
	// end, as its host was gone for good; whether it still runs there,
	// and what it did, is unknown.
	EndAbandoned = "abandoned"
)

// Mark is what a journal keeps of a job that a task instance watches:
// the job's Ref, how much of its log was shown, and how it ended once it
// did. Like Ref, it holds nothing secret (Tail is kept redacted).
type Mark struct {
	// Key names the job among those of its task instance.
	Key string `json:"key"`
	// Host is the inventory name of the host the job runs on.
	Host string `json:"host"`
	Ref
	// Sudo is set when the job runs through sudo, as SudoUser (root when
	// empty).
	Sudo     bool   `json:"sudo,omitempty"`
	SudoUser string `json:"sudo_user,omitempty"`
	// Started is when runbook started the job.
	Started time.Time `json:"started,omitzero"`
	// Offset is how many bytes of the job's log were shown.
	Offset int64 `json:"offset,omitempty"`
	// Showing, when above Offset, is how far the log reached that a run
	// was about to show when the journal last heard of it: the lines
	// between Offset and Showing may have shown already.
	Showing int64 `json:"showing,omitempty"`
	// End is empty while the job may run, else EndExited, EndLost,
	// EndKilled or EndAbandoned.
	End string `json:"end,omitempty"`
	// ExitCode and Signal are the job's Status.ExitCode and
	// Status.Signal once it exited.
	ExitCode int    `json:"exit_code,omitempty"`
	Signal   string `json:"signal,omitempty"`
	// Tail holds the last lines of the log once the job ended, redacted.
	Tail string `json:"tail,omitempty"`
}

// SudoOf returns the sudo settings that m records, without a password.
func (m Mark) SudoOf() *transport.Sudo {
	if !m.Sudo {
		return nil
	}
	return &transport.Sudo{User: m.SudoUser}
}

// Attachable reports whether a later run may re-attach to the job, or
// read how it ended: it was neither lost, killed nor abandoned. A job recorded
// before its process started is attachable too: its host knows whether
// it started.
func (m Mark) Attachable() bool { return m.End == "" || m.End == EndExited }

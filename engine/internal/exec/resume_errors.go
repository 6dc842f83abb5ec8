package exec

import (
	"fmt"
	"strings"
	"time"

	"github.com/runbookhq/runbook/engine/internal/compile"
)

// ResumeChangedError is the error of a Run told to resume a run whose
// playbook or variables have changed since; it wraps ErrResumeChanged.
// RunOptions.ResumeChanged lets the run go on instead.
type ResumeChangedError struct {
	// Recorded is when the run to resume started.
	Recorded time.Time
	// Playbook reports that the playbook's files or inventory files
	// changed.
	Playbook bool
	// Vars names the variables whose values changed, sorted.
	Vars []string
}

// Error says what changed since the run to resume was recorded.
func (e *ResumeChangedError) Error() string {
	var what []string
	if e.Playbook {
		what = append(what, "the playbook's files")
	}
	if len(e.Vars) > 0 {
		what = append(what, "the values of var."+strings.Join(e.Vars, ", var."))
	}
	return fmt.Sprintf("%s: %s changed since the run of %s was recorded", ErrResumeChanged, strings.Join(what, " and "), e.Recorded.Format(time.DateTime))
}

// Unwrap returns ErrResumeChanged.
func (e *ResumeChangedError) Unwrap() error { return ErrResumeChanged }

// UnsafeResumeError is the error of a Run told to resume when some
// instances can be neither restored from the journal nor safely run
// again; it wraps ErrUnsafeResume. Nothing ran. Once their hosts are
// checked, RunOptions.Rerun lets them run again.
type UnsafeResumeError struct {
	// Instances holds those instances, sorted by task, then host.
	Instances []UnsafeInstance
}

// UnsafeInstance is an instance that a resumed run can neither restore
// nor safely run again.
type UnsafeInstance struct {
	compile.InstanceInfo
	// Reason says why, such as "was cut off mid-way and its module is
	// not safe to repeat".
	Reason string
}

// Error names each instance and why it is unsafe.
func (e *UnsafeResumeError) Error() string {
	var b strings.Builder
	b.WriteString(ErrUnsafeResume.Error())
	for i, inst := range e.Instances {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%stask %s on host %s %s", sep, inst.Task, inst.Host, inst.Reason)
	}
	b.WriteString("; check what it did on its host, then resume naming it to run again")
	return b.String()
}

// Unwrap returns ErrUnsafeResume.
func (e *UnsafeResumeError) Unwrap() error { return ErrUnsafeResume }

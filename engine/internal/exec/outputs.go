package exec

import (
	"context"
	"errors"
	"fmt"

	"github.com/runbookhq/runbook/engine/internal/compile"
	"github.com/runbookhq/runbook/engine/internal/lang"
	"github.com/runbookhq/runbook/engine/module"
	"github.com/runbookhq/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
)

// outputsValue converts what a module returned as Result.Outputs to the
// outputs object of inst (see compile.Instance.Outputs), remembering the
// strings of its sensitive outputs for redaction.
func (r *runner) outputsValue(inst *compile.Instance, outputs any) (cty.Value, error) {
	v, secrets, err := inst.Outputs(outputs)
	r.secrets.Add(secrets...)
	return v, err
}

// plainOutputs converts an outputs object to the map shown in events and
// reports: sensitive outputs as "(sensitive)", strings redacted.
func (r *runner) plainOutputs(out cty.Value) map[string]any {
	if out.LengthInt() == 0 {
		return nil
	}
	m, _ := lang.ToGo(out, r.secrets.Redact).(map[string]any)
	return m
}

// knownErrors are the sentinel errors an instance's error still matches
// with errors.Is once its text is redacted.
var knownErrors = []error{
	ErrHostUnreachable, ErrInterrupted, ErrConfirmationRefused,
	transport.ErrUnreachable, transport.ErrConnectionLost, transport.ErrSudoPasswordRequired, transport.ErrClosed,
	context.Canceled, context.DeadlineExceeded,
	module.ErrJobDetached, module.ErrJobLost, ErrCutOff,
}

// safeError is an instance's error as the run reports it: its text names
// the task and host and holds no secret, and it matches the sentinel
// errors the original matched, but does not expose the original.
type safeError struct {
	msg    string
	causes []error
}

// Error returns the redacted text.
func (e *safeError) Error() string { return e.msg }

// Unwrap returns the sentinel errors the original matched.
func (e *safeError) Unwrap() []error { return e.causes }

// instanceError returns err as a safeError naming the task and host.
func (r *runner) instanceError(inst *compile.Instance, err error) error {
	e := &safeError{msg: r.secrets.Redact(fmt.Sprintf("%s: %v", inst.Label(), err))}
	for _, k := range knownErrors {
		if errors.Is(err, k) {
			e.causes = append(e.causes, k)
		}
	}
	return e
}

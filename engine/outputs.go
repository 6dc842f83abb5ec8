package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/runbookhq/runbook/engine/internal/lang"

	"github.com/runbookhq/runbook/engine/transport"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// outputsValue converts what a module returned as Result.Outputs to the
// outputs object of its task, marking sensitive outputs and remembering
// their strings for redaction.
func (r *runner) outputsValue(t *task, outputs any) (cty.Value, error) {
	if len(t.schema.outNames) == 0 {
		return cty.EmptyObjectVal, nil
	}
	rv := reflect.ValueOf(outputs)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if !rv.IsValid() || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return cty.UnknownAsNull(cty.UnknownVal(t.schema.out)), nil
	}
	if want := reflect.TypeOf(t.info.Outputs); rv.Type() != want {
		return cty.NilVal, fmt.Errorf("module %s returned outputs of type %s, not %s", t.module, rv.Type(), want)
	}
	v, err := gocty.ToCtyValue(rv.Interface(), t.schema.out)
	if err != nil {
		return cty.NilVal, fmt.Errorf("module %s returned outputs that do not convert: %w", t.module, err)
	}
	if len(t.schema.sensitiveOut) == 0 {
		return v, nil
	}
	attrs := v.AsValueMap()
	for name := range t.schema.sensitiveOut {
		r.secrets.Add(lang.StringsIn(attrs[name], nil)...)
		attrs[name] = lang.MarkSensitive(attrs[name])
	}
	return cty.ObjectVal(attrs), nil
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
}

// safeError is an instance's error as the run reports it: its text names
// the task and host and holds no secret, and it matches the sentinel
// errors the original matched, but does not expose the original.
type safeError struct {
	msg    string
	causes []error
}

func (e *safeError) Error() string   { return e.msg }
func (e *safeError) Unwrap() []error { return e.causes }

// instanceError returns err as a safeError naming the task and host.
func (r *runner) instanceError(inst *instance, err error) error {
	e := &safeError{msg: r.secrets.Redact(fmt.Sprintf("task %s on host %s: %v", inst.task.name, inst.host.cfg.Name, err))}
	for _, k := range knownErrors {
		if errors.Is(err, k) {
			e.causes = append(e.causes, k)
		}
	}
	return e
}

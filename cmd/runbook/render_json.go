package main

import (
	"encoding/json"
	"fmt"

	"github.com/runbookhq/runbook/engine"
)

// jsonStream renders a run as JSON lines: every engine.Event, one JSON
// object per line, in the order the engine emits them. CLI.md documents
// the schema.
type jsonStream struct {
	con *console
}

// Event implements engine.Subscriber.
func (s *jsonStream) Event(e engine.Event) {
	line, err := json.Marshal(e)
	if err != nil {
		// Only an output value can fail to encode (a NaN, say); it goes
		// out as its printed form so that the stream stays whole.
		e.Outputs = printableOutputs(e.Outputs)
		line, _ = json.Marshal(e)
	}
	s.con.print(append(line, '\n'))
}

// printableOutputs replaces the values JSON cannot encode by their printed
// form.
func printableOutputs(outputs map[string]any) map[string]any {
	fixed := make(map[string]any, len(outputs))
	for name, v := range outputs {
		if _, err := json.Marshal(v); err != nil {
			v = fmt.Sprint(v)
		}
		fixed[name] = v
	}
	return fixed
}

// close implements view; the stream needs no ending.
func (s *jsonStream) close() {}

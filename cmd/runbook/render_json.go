package main

import (
	"bufio"
	"encoding/json"
	"fmt"

	"github.com/runbookhq/runbook/engine"
)

// jsonBuffer is the size of the buffer in which JSON lines wait to be
// written together.
const jsonBuffer = 64 << 10

// jsonStream renders a run as JSON lines: every engine.Event, one JSON
// object per line, in the order the engine emits them. CLI.md documents
// the schema. Lines are written in batches: when the buffer is full, and
// whenever the engine has delivered a batch of events (see engine.Flusher).
type jsonStream struct {
	w   *bufio.Writer
	enc *json.Encoder
}

func newJSONStream(con *console) *jsonStream {
	w := bufio.NewWriterSize(consoleWriter{con}, jsonBuffer)
	return &jsonStream{w: w, enc: json.NewEncoder(w)}
}

// Event implements engine.Subscriber.
func (s *jsonStream) Event(e engine.Event) {
	if err := s.enc.Encode(e); err != nil {
		// Only an output value can fail to encode (a NaN, say); it goes
		// out as its printed form so that the stream stays whole.
		e.Outputs = printableOutputs(e.Outputs)
		_ = s.enc.Encode(e)
	}
}

// Flush implements engine.Flusher: it writes the buffered lines.
func (s *jsonStream) Flush() { _ = s.w.Flush() }

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

// close implements view: it writes what is still buffered.
func (s *jsonStream) close() { s.Flush() }

// consoleWriter writes to standard output through a console.
type consoleWriter struct{ con *console }

func (w consoleWriter) Write(p []byte) (int, error) {
	w.con.print(p)
	return len(p), nil
}

package transport

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLocalSlowReaderLosesNoOutput checks that output a slow OnLine has
// not taken yet when the process exits is still read, however long after
// the exit OnLine takes it, and that a pipe a background process holds
// open does not keep Run waiting.
func TestLocalSlowReaderLosesNoOutput(t *testing.T) {
	exited := filepath.Join(t.TempDir(), "exited")
	var lines []string
	c := Command{
		Script: `echo first; i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done; sleep 5 & touch ` + exited,
		OnLine: func(_ Stream, line string) {
			if len(lines) == 0 {
				// Hold the stream until the shell is gone and well
				// past the grace a cancelled process group gets.
				for {
					if _, err := os.Stat(exited); err == nil {
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(killGrace + time.Second)
			}
			lines = append(lines, line)
		},
	}
	res, err := NewLocal().Run(context.Background(), c)
	if err != nil || !res.OK() {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if len(lines) != 2001 || lines[2000] != "line-1999" {
		t.Errorf("OnLine saw %d lines, want 2001 ending with line-1999", len(lines))
	}
}

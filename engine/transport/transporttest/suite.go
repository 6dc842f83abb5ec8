package transporttest

import (
	"testing"

	"github.com/runbookhq/runbook/engine/transport"
)

// NewHost returns a fresh Host for one test; the suite closes it.
type NewHost func(t *testing.T) transport.Host

// Run runs the conformance tests against the hosts newHost returns.
func Run(t *testing.T, newHost NewHost) {
	tests := []struct {
		name string
		fn   func(*testing.T, transport.Host)
	}{
		{"ArgsAreQuoted", testArgsQuoted},
		{"Script", testScript},
		{"StdinEnvDir", testStdinEnvDir},
		{"Streaming", testStreaming},
		{"LargeOutput", testLargeOutput},
		{"ExitCode", testExitCode},
		{"Signal", testSignal},
		{"CancelEndsProcesses", testCancel},
		{"CancelUnderSudoEndsProcesses", testCancelSudo},
		{"TimeoutEndsProcesses", testTimeout},
		{"SudoRoot", testSudoRoot},
		{"SudoOtherUser", testSudoOtherUser},
		{"Concurrent", testConcurrent},
		{"Upload", testUpload},
		{"UploadOwner", testUploadOwner},
		{"UploadFailureKeepsDestination", testUploadFailure},
		{"UploadSudoFailureKeepsDestination", testUploadSudoFailure},
		{"UploadSymlink", testUploadSymlink},
		{"Download", testDownload},
		{"DownloadModeAndLink", testDownloadModeAndLink},
		{"Close", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t)
			t.Cleanup(func() { h.Close() })
			tc.fn(t, h)
		})
	}
}

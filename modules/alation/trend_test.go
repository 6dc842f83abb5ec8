package alation

import (
	"testing"
	"time"
)

// TestTrendRateAndETA follows a copy and a falling lag: the rate comes
// from the readings of the last five minutes, and the ETA from it.
func TestTrendRateAndETA(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	var copied trend
	if got := copied.pace(100e6, byteSize); got != "" {
		t.Errorf("pace with no reading = %q, want nothing", got)
	}
	copied.add(t0, 0)
	if got := copied.pace(100e6, byteSize); got != "" {
		t.Errorf("pace with one reading = %q, want nothing", got)
	}
	copied.add(t0.Add(10*time.Second), 10e6)
	if got, want := copied.pace(100e6, byteSize), ", rising 1.0 MB/s, about 1m30s left"; got != want {
		t.Errorf("pace = %q, want %q", got, want)
	}
	// A change of pace shows once the old readings leave the window.
	copied.add(t0.Add(6*time.Minute), 20e6)
	copied.add(t0.Add(10*time.Minute), 40e6)
	copied.add(t0.Add(11*time.Minute), 50e6)
	if r, ok := copied.rate(); !ok || r != 0.1e6 {
		t.Errorf("rate after the window = %v, %v; want 100 kB/s", r, ok)
	}

	var lag trend
	lag.add(t0, 36000)
	lag.add(t0.Add(time.Minute), 30000)
	if got, want := lag.pace(60, seconds), ", falling 100.0 s/s, about 4m59s left"; got != want {
		t.Errorf("lag pace = %q, want %q", got, want)
	}
	var stuck trend
	stuck.add(t0, 500)
	stuck.add(t0.Add(time.Minute), 500)
	if got := stuck.pace(0, byteSize); got != ", not moving" {
		t.Errorf("stuck pace = %q", got)
	}
	var away trend
	away.add(t0, 500)
	away.add(t0.Add(time.Minute), 800)
	if got := away.pace(0, seconds); got != ", rising 5.0 s/s" {
		t.Errorf("pace away from the goal = %q, want no ETA", got)
	}
}

// TestRoughDurationsAndSizes writes ETAs and sizes as a person reads them.
func TestRoughDurationsAndSizes(t *testing.T) {
	for d, want := range map[time.Duration]string{
		42*time.Second + 300*time.Millisecond: "42s",
		5*time.Minute + 20*time.Second:        "5m20s",
		25*time.Minute + 20*time.Second:       "25m",
		2*time.Hour + 29*time.Second:          "2h",
		26*time.Hour + 40*time.Minute:         "27h",
		3*time.Hour + 7*time.Minute:           "3h7m",
	} {
		if got := roughDuration(d); got != want {
			t.Errorf("roughDuration(%s) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[float64]string{999: "999 B", 1500: "1.5 kB", 42.3e6: "42.3 MB", 1.2e12: "1.2 TB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%v) = %q, want %q", n, got, want)
		}
	}
	for elapsed, want := range map[time.Duration]time.Duration{0: time.Second, 30 * time.Second: 3 * time.Second, 5 * time.Hour: time.Minute} {
		if got := pollInterval(elapsed); got != want {
			t.Errorf("pollInterval(%s) = %s, want %s", elapsed, got, want)
		}
	}
}

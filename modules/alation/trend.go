package alation

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// trendWindow is how far back a trend looks to tell the rate: long enough
// to smooth out the steps of a copy or a lag report, short enough to
// follow a change of pace.
const trendWindow = 5 * time.Minute

// trend follows a quantity read again and again while a long step runs,
// such as the bytes copied to the Secondary or the MongoDB lag, and tells
// how fast it moves and when it will reach a goal.
type trend struct {
	samples []trendSample
}

// trendSample is one reading of a trend.
type trendSample struct {
	at    time.Time
	value float64
}

// add records value as read at at, forgetting readings older than
// trendWindow but the last one before it.
func (t *trend) add(at time.Time, value float64) {
	t.samples = append(t.samples, trendSample{at, value})
	for len(t.samples) > 2 && at.Sub(t.samples[1].at) >= trendWindow {
		t.samples = t.samples[1:]
	}
}

// rate returns the change per second over the window, and false until
// two readings a second or more apart are known.
func (t *trend) rate() (float64, bool) {
	if len(t.samples) < 2 {
		return 0, false
	}
	first, last := t.samples[0], t.samples[len(t.samples)-1]
	secs := last.at.Sub(first.at).Seconds()
	if secs < 1 {
		return 0, false
	}
	return (last.value - first.value) / secs, true
}

// eta returns how long the quantity takes to reach goal at the current
// rate, and false when it does not move toward it.
func (t *trend) eta(goal float64) (time.Duration, bool) {
	r, ok := t.rate()
	if !ok || len(t.samples) == 0 {
		return 0, false
	}
	left := goal - t.samples[len(t.samples)-1].value
	if left == 0 {
		return 0, true
	}
	if r == 0 || math.Signbit(r) != math.Signbit(left) {
		return 0, false
	}
	return time.Duration(left / r * float64(time.Second)), true
}

// pace says how fast the quantity moves, in unit per second, and when it
// reaches goal at that rate: ", rising 1.2 MB/s, about 5m left". It says
// nothing until the rate is known.
func (t *trend) pace(goal float64, unit func(float64) string) string {
	r, ok := t.rate()
	switch {
	case !ok:
		return ""
	case r == 0:
		return ", not moving"
	}
	way := "rising"
	if r < 0 {
		way = "falling"
	}
	text := fmt.Sprintf(", %s %s/s", way, unit(math.Abs(r)))
	if d, ok := t.eta(goal); ok {
		text += ", about " + roughDuration(d) + " left"
	}
	return text
}

// pollInterval is how long a wait that began elapsed ago sleeps between
// two readings: a second at first, a tenth of the time waited later, and
// a minute at most, so that a wait of hours does not read the hosts every
// second.
func pollInterval(elapsed time.Duration) time.Duration {
	return min(max(elapsed/10, time.Second), time.Minute)
}

// seconds writes a number of seconds.
func seconds(n float64) string { return fmt.Sprintf("%.1f s", n) }

// roughDuration writes d to the second under ten minutes, to the minute
// under a day, else to the hour.
func roughDuration(d time.Duration) string {
	switch {
	case d < 10*time.Minute:
		return trimZeroSeconds(d.Round(time.Second))
	case d < 24*time.Hour:
		return trimZeroSeconds(d.Round(time.Minute))
	}
	return trimZeroSeconds(d.Round(time.Hour))
}

// trimZeroSeconds writes d without its trailing zero seconds and minutes
// ("2h0m0s" as "2h", "5m0s" as "5m").
func trimZeroSeconds(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// byteSize writes n bytes in decimal units, as du -h --si does.
func byteSize(n float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	i := 0
	for math.Abs(n) >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}

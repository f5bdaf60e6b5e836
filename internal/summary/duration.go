package summary

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Durations: run_time read, and times shown as 1h2m3s and +1:02.

// isoDuration matches the ISO 8601 durations the API writes as run_time:
// PnW, PnDTnHnMnS with any part left out, decimals on any part. Compiled
// when a run_time is first read, not at every start (a dry run, an input
// error or a run that fails to start never needs it).
var isoDuration = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$`)
})

// maxDuration bounds what is shown as a duration; longer is nonsense.
const maxDuration = 100 * 365 * 24 * time.Hour

// parseRunTime reads run_time: ISO 8601 (PT2M14.5S) or, leniently, Go's
// form (2m14.5s).
func parseRunTime(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		return d, d >= 0
	}
	m := isoDuration().FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "P" || strings.HasSuffix(strings.ToUpper(s), "T") {
		return 0, false
	}
	unit := []float64{7 * 24 * 3600, 24 * 3600, 3600, 60, 1}
	var secs float64
	for i, part := range m[1:] {
		if part == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.Replace(part, ",", ".", 1), 64)
		if err != nil {
			return 0, false
		}
		secs += v * unit[i]
	}
	if math.IsInf(secs, 0) || secs > maxDuration.Seconds() {
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)), true
}

// human writes d as `1h 2m 3s`, `2m 14s` or `14s`, leaving out zero parts,
// rounded to the nearest second as elapsed (and the log) round: a duration
// and a timeline that end together say the same second.
func human(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "0s"
	}
	h, m, s := int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	var parts []string
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m > 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	if s > 0 {
		parts = append(parts, fmt.Sprintf("%ds", s))
	}
	return strings.Join(parts, " ")
}

// elapsed writes d as a clock offset: `+0:03`, `+12:34`, `+1:02:03`.
func elapsed(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	secs := int64(d.Round(time.Second) / time.Second)
	h, m, s := secs/3600, secs%3600/60, secs%60
	if h > 0 {
		return fmt.Sprintf("%s%d:%02d:%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%s%d:%02d", sign, m, s)
}

package pki

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxTTL bounds every TTL the engine accepts (100 years).
const MaxTTL = 100 * 365 * 24 * time.Hour

// ParseTTL reads a lifetime: a whole number with a unit, y (365 days), d,
// h, m or s ("10y", "90d", "36h"), or a Go duration ("1h30m"). It accepts
// 1 second to 100 years.
func ParseTTL(s string) (time.Duration, error) {
	bad := fmt.Errorf("%w: TTL %q: use a number and a unit, e.g. 90d, 10y, 36h", ErrInvalid, s)
	if s == "" || len(s) > 32 {
		return 0, bad
	}
	var d time.Duration
	if unit := s[len(s)-1]; unit == 'y' || unit == 'd' {
		n, err := strconv.ParseUint(s[:len(s)-1], 10, 32)
		if err != nil || s[0] == '+' {
			return 0, bad
		}
		day := 24 * time.Hour
		if unit == 'y' {
			day *= 365
		}
		if n > uint64(MaxTTL/day) {
			return 0, fmt.Errorf("%w: TTL %q is more than 100 years", ErrInvalid, s)
		}
		d = time.Duration(n) * day
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d < time.Second || d > MaxTTL {
		return 0, fmt.Errorf("%w: TTL %q: between 1s and 100y", ErrInvalid, s)
	}
	return d, nil
}

// FormatTTL prints a duration in the largest unit that divides it: 10y,
// 90d, 36h, else Go's form.
func FormatTTL(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d > 0 && d%(365*day) == 0:
		return strconv.FormatInt(int64(d/(365*day)), 10) + "y"
	case d > 0 && d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	case d > 0 && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	return s
}

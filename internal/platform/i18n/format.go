package i18n

import (
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // the binary carries its own zone data: a minimal container may have none
)

// DefaultTimeZone is the zone of a user who has not set one.
const DefaultTimeZone = "Asia/Shanghai"

var zones sync.Map // name → *time.Location

// Location returns the named time zone, the default zone for an empty or
// unknown name. Zones are cached: loading one reads and parses zone data.
func Location(name string) *time.Location {
	if name == "" {
		name = DefaultTimeZone
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		if name == DefaultTimeZone {
			return time.UTC
		}
		return Location(DefaultTimeZone)
	}
	zones.Store(name, loc)
	return loc
}

// DateTime formats a moment to the second in a zone; the zero time is "-".
func DateTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}

// Date formats the day of a moment in a zone; the zero time is "-".
func Date(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02")
}

// ParseDate reads a "2006-01-02" day in a zone and returns its first moment.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	return time.ParseInLocation("2006-01-02", s, loc)
}

// Amount formats an amount in fen as yuan with thousands separators and two
// decimals: 123456789 → "1,234,567.89". Integer arithmetic only: a float
// would round some amounts wrongly.
func Amount(fen int64) string {
	neg := fen < 0
	// uint64 holds the magnitude of every int64, math.MinInt64 included.
	u := uint64(fen)
	if neg {
		u = -u
	}
	yuan, cents := u/100, u%100
	digits := strconv.FormatUint(yuan, 10)
	b := make([]byte, 0, len(digits)+len(digits)/3+4)
	if neg {
		b = append(b, '-')
	}
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, digits[i])
	}
	b = append(b, '.', byte('0'+cents/10), byte('0'+cents%10))
	return string(b)
}

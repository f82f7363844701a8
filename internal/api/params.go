package api

import (
	"time"
	"unicode/utf8"
)

// Parameter checks shared by the BSS-compatible operations, which all page
// by offset/limit and take times as UTC strings.

// timeLayout is how the BSS API writes and reads times: UTC, second
// precision, with a literal Z.
const timeLayout = "2006-01-02T15:04:05Z"

// page is a validated offset/limit pair.
type page struct{ Offset, Limit int }

// paging applies the BSS defaults (offset 0, the operation's default limit)
// and bounds (offset 0..maxOffset, limit 1..maxLimit).
func paging(offset, limit *int64, defaultLimit, maxLimit int) (page, error) {
	p := page{Offset: 0, Limit: defaultLimit}
	if offset != nil {
		if *offset < 0 || *offset > maxOffset {
			return p, fieldError("CBC.0100", "offset", "api.offset_range", "must be between 0 and %d", maxOffset)
		}
		p.Offset = int(*offset)
	}
	if limit != nil {
		if *limit < 1 || *limit > int64(maxLimit) {
			return p, fieldError("CBC.0100", "limit", "api.limit_range", "must be between 1 and %d", maxLimit)
		}
		p.Limit = int(*limit)
	}
	return p, nil
}

// maxOffset is the largest offset the BSS API documents.
const maxOffset = 40000000

// utcTime parses an optional time parameter; absent, null and "" mean no
// filter.
func utcTime(field string, v *string) (time.Time, error) {
	if v == nil || *v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, *v)
	if err != nil {
		return time.Time{}, fieldError("CBC.0100", field, "api.time_format", "must be a UTC time such as 2016-03-28T00:00:00Z, not %q", *v)
	}
	return t, nil
}

// timeRange parses a begin/end pair and checks their order.
func timeRange(beginField string, begin *string, endField string, end *string) (from, to time.Time, err error) {
	if from, err = utcTime(beginField, begin); err != nil {
		return
	}
	if to, err = utcTime(endField, end); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		err = fieldError("CBC.0100", endField, "api.time_order", "must not be before %s", beginField)
	}
	return
}

// optionalString returns an optional string parameter, checking its length
// in characters.
func optionalString(field string, v *string, maxLen int) (string, error) {
	if v == nil {
		return "", nil
	}
	if utf8.RuneCountInString(*v) > maxLen {
		return "", fieldError("CBC.0100", field, "api.too_long", "must be at most %d characters", maxLen)
	}
	return *v, nil
}

// formatTime writes a stored time as the BSS API does; the zero time is
// absent.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

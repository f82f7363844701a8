package api

import (
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"partnercenter/internal/ledger"
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

// Query parameters of the GET operations, read the way Decode reads a body:
// absent and empty are the same, and a fault names the parameter.

// queryString returns an optional query parameter, checking its length.
func (c *Call) queryString(name string, maxLen int) (string, error) {
	v := c.Request.URL.Query().Get(name)
	return optionalString(name, &v, maxLen)
}

// queryStrings returns optional query parameters, each at most maxLen
// characters.
func (c *Call) queryStrings(maxLen int, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, name := range names {
		var err error
		if out[i], err = c.queryString(name, maxLen); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// enumParam checks an optional value against the domain's list.
func enumParam(field, v string, allowed []string) error {
	if v != "" && !slices.Contains(allowed, v) {
		return fieldError("CBC.0100", field, "api.enum", "must be one of %v, not %q", allowed, v)
	}
	return nil
}

// queryFilter reads a list operation's optional query parameters as
// queryStrings does and checks each that allowed names against the
// domain's values, in the order of names, so that the first fault is the
// one answered.
func (c *Call) queryFilter(maxLen int, names []string, allowed map[string][]string) ([]string, error) {
	vals, err := c.queryStrings(maxLen, names...)
	if err != nil {
		return nil, err
	}
	for i, name := range names {
		if values, ok := allowed[name]; ok {
			if err := enumParam(name, vals[i], values); err != nil {
				return nil, err
			}
		}
	}
	return vals, nil
}

// queryInt returns an optional integer query parameter; nil when absent.
func (c *Call) queryInt(name string) (*int64, error) {
	v := c.Request.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, fieldError("CBC.0100", name, "api.query_integer", "must be an integer, not %q", v)
	}
	return &n, nil
}

// queryPaging is paging for the offset and limit query parameters.
func (c *Call) queryPaging(defaultLimit, maxLimit int) (page, error) {
	offset, err := c.queryInt("offset")
	if err != nil {
		return page{}, err
	}
	limit, err := c.queryInt("limit")
	if err != nil {
		return page{}, err
	}
	return paging(offset, limit, defaultLimit, maxLimit)
}

// pagedList is the end of a list operation: it reads the offset and limit
// query parameters (defaultLimit, at most maxLimit), lists that page and
// answers its rows converted with of, never nil, with the count of all that
// match.
func pagedList[T, U any](c *Call, defaultLimit, maxLimit int, list func(offset, limit int) ([]T, int, error), of func(T) U) ([]U, int, error) {
	p, err := c.queryPaging(defaultLimit, maxLimit)
	if err != nil {
		return nil, 0, err
	}
	rows, total, err := list(p.Offset, p.Limit)
	if err != nil {
		return nil, 0, err
	}
	return answersOf(rows, of), total, nil
}

// billingDate parses an optional date of the billing calendar (UTC+8), as
// YYYY-MM-DD; the zero time means absent.
func billingDate(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(dateLayout, v, ledger.BillingZone)
	if err != nil {
		return time.Time{}, fieldError("CBC.0100", field, "api.date_format", "must be a date in UTC+8 such as 2017-10-21, not %q", v)
	}
	return t, nil
}

// dateLayout is how the BSS API writes billing dates.
const dateLayout = "2006-01-02"

// strOr returns an optional string field's value, "" when absent or null.
func strOr(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// answersOf converts a capability's list into its answer rows, never nil, so
// that an empty page encodes as [] rather than null.
func answersOf[T, U any](in []T, of func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, of(v))
	}
	return out
}

package opportunity

import (
	"context"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
	"partnercenter/internal/store"
)

// Calendar decides working days: Monday to Friday, except the holidays the
// provider enters, plus the weekend days it declares working (调休). Days
// are billing days (UTC+8), like every date the provider shows.
type Calendar struct {
	exceptions map[int64]bool // day → working
}

// LoadCalendar reads the provider's exceptions.
func LoadCalendar(ctx context.Context, q store.Queryer) (*Calendar, error) {
	rows, err := q.QueryContext(ctx, `SELECT day, working FROM working_calendar`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := &Calendar{exceptions: map[int64]bool{}}
	for rows.Next() {
		var day int64
		var working bool
		if err := rows.Scan(&day, &working); err != nil {
			return nil, err
		}
		c.exceptions[day] = working
	}
	return c, rows.Err()
}

// Working reports whether a billing day is a working day.
func (c *Calendar) Working(day int64) bool {
	if w, ok := c.exceptions[day]; ok {
		return w
	}
	// 1970-01-01 was a Thursday: day 0 → Thursday.
	weekday := time.Weekday((day + 4) % 7)
	return weekday != time.Saturday && weekday != time.Sunday
}

// AddWorkingDays is the end of the n-th working day after the day of t:
// a review submitted on any day is due at the end of the tenth working day
// that follows it.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	day := ledger.DayOf(t)
	for n > 0 {
		day++
		if c.Working(day) {
			n--
		}
	}
	return ledger.DayStart(day + 1)
}

// SetCalendarDay records an exception (working false: a holiday on a
// weekday; working true: a working weekend day); a day set back to its
// ordinary kind is removed.
func SetCalendarDay(ctx context.Context, tx *store.Tx, day time.Time, working bool, name string) error {
	d := ledger.DayOf(day)
	plain := (&Calendar{}).Working(d)
	if plain == working {
		_, err := tx.ExecContext(ctx, `DELETE FROM working_calendar WHERE day = ?`, d)
		return err
	}
	if len([]rune(name)) > 50 {
		return apperr.Field("name", "opportunity.calendar_name", "the name can have at most 50 characters")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO working_calendar (day, working, name) VALUES (?, ?, ?)
		ON CONFLICT (day) DO UPDATE SET working = excluded.working, name = excluded.name`, d, working, name)
	return err
}

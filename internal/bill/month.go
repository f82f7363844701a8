// Package bill owns what customers' consumption adds up to: the fee records
// (one per pay-per-use resource-hour and one per line of a paid or refunded
// 包年/包月 order, written by the metering and order packages) read as
// resource-level bill details, per-customer and per-service monthly bills,
// the partner's monthly sums, an 18-month consumption trend, managers'
// monthly sums for their performance, and the export of the details.
//
// Every query is scoped: a partner sees the fee records written while the
// customer was associated with it (whoever it is associated with now), and a
// customer manager only those of the customers in its charge. Sums are read
// from fee_sums, which a trigger keeps in the transaction of every fee
// record (migration 00014), so they agree with the records to the fen.
package bill

import (
	"fmt"
	"strconv"
	"time"

	"partnercenter/internal/ledger"
	"partnercenter/internal/platform/apperr"
)

// Month is a bill month, 202612 for December 2026, by the billing day in
// UTC+8 (order.BillMonth).
type Month int

// HistoryMonths is how far back consumption can be queried: this month and
// the 17 before it.
const HistoryMonths = 18

// MonthOf is the bill month of a moment.
func MonthOf(t time.Time) Month {
	l := t.In(ledger.BillingZone)
	return Month(l.Year()*100 + int(l.Month()))
}

// ParseMonth reads "2026-12" as the API and the console write months.
func ParseMonth(field, s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return 0, apperr.Field(field, "bill.month_format", "must be a month such as 2026-12, not %q", s).WithAPICode("CBC.0100")
	}
	return Month(t.Year()*100 + int(t.Month())), nil
}

// String writes the month as "2026-12".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", int(m)/100, int(m)%100) }

// Key is the month as the records store it (202612).
func (m Month) Key() string { return strconv.Itoa(int(m)) }

// Year and Num are the month's parts.
func (m Month) Year() int { return int(m) / 100 }
func (m Month) Num() int  { return int(m) % 100 }

// Add moves n months (negative: back).
func (m Month) Add(n int) Month {
	i := m.Year()*12 + m.Num() - 1 + n
	return Month((i/12)*100 + i%12 + 1)
}

// Start is the first moment of the month in the billing zone.
func (m Month) Start() time.Time {
	return time.Date(m.Year(), time.Month(m.Num()), 1, 0, 0, 0, 0, ledger.BillingZone)
}

// End is the first moment of the next month.
func (m Month) End() time.Time { return m.Add(1).Start() }

// Window is the months that can be queried at now: the oldest and the
// current.
func Window(now time.Time) (oldest, newest Month) {
	newest = MonthOf(now)
	return newest.Add(-(HistoryMonths - 1)), newest
}

// CheckWindow refuses a month outside the queryable window at now.
func CheckWindow(field string, m Month, now time.Time) error {
	oldest, newest := Window(now)
	if m < oldest || m > newest {
		return apperr.Field(field, "bill.month_range", "must be a month from %s to %s", oldest, newest).WithAPICode("CBC.0100")
	}
	return nil
}

// Months lists the queryable months at now, newest first.
func Months(now time.Time) []Month {
	_, newest := Window(now)
	out := make([]Month, HistoryMonths)
	for i := range out {
		out[i] = newest.Add(-i)
	}
	return out
}

package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"partnercenter/internal/auth"
	"partnercenter/internal/store"
)

// Scale says how much generated data to add to the demo data set: partners
// (total distributors with their indirect resellers, resellers, solution
// providers), customers spread over them, ledger entries (two per
// movement: grants to partners, allocations to customers and indirect
// resellers, reclaims, consumption) and opportunities. The zero Scale is the
// demo alone. The same Seed gives the same partners, customers, amounts and
// identifiers; times are relative to the moment of generation.
type Scale struct {
	Partners      int
	Customers     int
	Entries       int // ledger_entries rows; a movement writes two, so an odd count is rounded down
	Opportunities int
	Seed          uint64
}

// The named scales. Large is the data set the performance figures on a
// large deployment are measured on; medium is a tenth of it.
var (
	ScaleSmall  = Scale{}
	ScaleLarge  = Scale{Partners: 1_000, Customers: 1_000_000, Entries: 10_000_000, Opportunities: 1_000_000, Seed: 2026}
	ScaleMedium = ScaleLarge.Times(0.1)
)

// Times returns the scale with every count multiplied by f (at least one
// partner when there is anything to generate).
func (s Scale) Times(f float64) Scale {
	out := Scale{Seed: s.Seed,
		Partners:      int(math.Round(float64(s.Partners) * f)),
		Customers:     int(math.Round(float64(s.Customers) * f)),
		Entries:       int(math.Round(float64(s.Entries) * f)),
		Opportunities: int(math.Round(float64(s.Opportunities) * f)),
	}
	if out.Partners == 0 && (out.Customers > 0 || out.Entries > 0 || out.Opportunities > 0) {
		out.Partners = 1
	}
	return out
}

// Empty reports whether the scale adds nothing to the demo.
func (s Scale) Empty() bool {
	return s.Partners == 0 && s.Customers == 0 && s.Entries == 0 && s.Opportunities == 0
}

func (s Scale) String() string {
	return fmt.Sprintf("%d partners, %d customers, %d ledger entries, %d opportunities (seed %d)",
		s.Partners, s.Customers, s.Entries/2*2, s.Opportunities, s.Seed)
}

// ParseScale reads the --scale flag of `partnercenter demo`: small (the demo
// alone), medium, large, or a fraction of large such as 0.001.
func ParseScale(v string) (Scale, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "small":
		return ScaleSmall, nil
	case "medium":
		return ScaleMedium, nil
	case "large":
		return ScaleLarge, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 1 || math.IsNaN(f) {
		return Scale{}, fmt.Errorf("--scale %q: small, medium, large, or a fraction of large above 0 and at most 1", v)
	}
	return ScaleLarge.Times(f), nil
}

func (s Scale) validate() error {
	switch {
	case s.Partners < 0 || s.Customers < 0 || s.Entries < 0 || s.Opportunities < 0:
		return errors.New("demo scale: counts cannot be negative")
	case s.Partners == 0 && !s.Empty():
		return errors.New("demo scale: customers, ledger entries and opportunities need partners")
	case s.Partners > 99_999:
		return errors.New("demo scale: at most 99,999 partners")
	case s.Entries > 0 && s.Customers == 0:
		return errors.New("demo scale: ledger entries need customers to allocate to")
	case s.Entries > 0 && s.Entries/2 < s.Partners*8:
		// Every partner gets its grants and every distributor's reseller
		// its allocations before any customer is funded.
		return fmt.Errorf("demo scale: %d ledger entries are too few for %d partners (at least %d)", s.Entries, s.Partners, s.Partners*16)
	}
	return nil
}

// Counts are how many rows of each kind a generation wrote.
type Counts struct {
	Partners, Users, Customers, Accounts, Transfers, Entries, Daily, Adjustments, Opportunities int
}

// ErrNotDemoOnly refuses to generate into a database holding more than the
// demo data set.
var ErrNotDemoOnly = errors.New("demo: the database holds data other than the demo; generate the scaled demo into an empty database")

// LoadScaled loads the demo data set into an empty database (or keeps it
// when it is the database's only content) and then adds the generated data
// of s, printing progress and the time per table to progress. A database
// holding anything but the demo is refused and left unchanged.
func LoadScaled(ctx context.Context, db *store.DB, sealer *auth.Sealer, s Scale, progress io.Writer) (*Counts, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = io.Discard
	}
	demoOnly, err := onlyDemo(ctx, db)
	if err != nil {
		return nil, err
	}
	loaded, err := Loaded(ctx, db)
	if err != nil {
		return nil, err
	}
	switch {
	case !loaded:
		start := time.Now()
		if err := LoadSealed(ctx, db, sealer); err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "demo data set loaded in %s\n", time.Since(start).Round(time.Millisecond))
	case !demoOnly || s.Empty():
		if s.Empty() {
			return nil, fmt.Errorf("demo: the database already holds partners; load the demo data into an empty database")
		}
		return nil, ErrNotDemoOnly
	}
	if s.Empty() {
		return &Counts{}, nil
	}
	return generate(ctx, db, s, progress)
}

// onlyDemo reports whether the partners in the database are exactly the
// demo's (or there are none).
func onlyDemo(ctx context.Context, db *store.DB) (bool, error) {
	rows, err := db.Reader().QueryContext(ctx, `SELECT name FROM partners`)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, p := range Partners {
		want[p.Name] = true
	}
	n := 0
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return false, err
		}
		if !want[name] {
			return false, rows.Err()
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return n == 0 || n == len(Partners), nil
}

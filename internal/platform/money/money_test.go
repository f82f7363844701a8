package money

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	good := map[string]int64{"0.01": 1, "1": 100, "1.5": 150, "1234.56": 123456, "+2.10": 210, "-3": -300, "007.00": 700,
		".5": 50, "5.": 0, "10000000000000": 1_000_000_000_000_000, "1.500": 150}
	for in, want := range good {
		got, err := Parse(in)
		if in == "5." {
			if err == nil {
				t.Errorf("Parse(%q) accepted a trailing dot", in)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]error{"": ErrNotNumber, "abc": ErrNotNumber, "1,000": ErrNotNumber, "1.001": ErrTooPrecise, "0.005": ErrTooPrecise,
		"1e5": ErrNotNumber, "--1": ErrNotNumber, ".": ErrNotNumber, "10000000000000.01": ErrOutOfRange, "99999999999999999999": ErrOutOfRange, "NaN": ErrNotNumber}
	for in, want := range bad {
		if _, err := Parse(in); !errors.Is(err, want) {
			t.Errorf("Parse(%q) err = %v, want %v", in, err, want)
		}
	}
	for _, in := range []string{"0", "0.00", "-1"} {
		if _, err := ParsePositive(in); !errors.Is(err, ErrNotPositive) {
			t.Errorf("ParsePositive(%q) = %v", in, err)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := map[int64][2]string{0: {"0.00", "0.00"}, 5: {"0.05", "0.05"}, 123456789: {"1234567.89", "1,234,567.89"},
		-100050: {"-1000.50", "-1,000.50"}, 100: {"1.00", "1.00"}}
	for fen, want := range cases {
		if got := Plain(fen); got != want[0] {
			t.Errorf("Plain(%d) = %q, want %q", fen, got, want[0])
		}
		if got := Format(fen); got != want[1] {
			t.Errorf("Format(%d) = %q, want %q", fen, got, want[1])
		}
	}
	if got, err := FromDecimal(decimal.RequireFromString("12.30")); err != nil || got != 1230 {
		t.Errorf("FromDecimal = %d, %v", got, err)
	}
	if _, err := FromDecimal(decimal.RequireFromString("12.301")); !errors.Is(err, ErrTooPrecise) {
		t.Errorf("FromDecimal with 3 decimals: %v", err)
	}
	if got := ToDecimal(1230).StringFixed(2); got != "12.30" {
		t.Errorf("ToDecimal = %s", got)
	}
}

// FuzzParse: whatever the input, Parse either refuses it or returns an amount
// that formats back to an equal amount.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0.01", "1234.56", "-3", "1.001", "abc", "99999999999999999999", ".5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := Parse(s)
		if err != nil {
			return
		}
		if fen > MaxFen || fen < -MaxFen {
			t.Fatalf("Parse(%q) = %d beyond MaxFen", s, fen)
		}
		back, err := Parse(Plain(fen))
		if err != nil || back != fen {
			t.Fatalf("Parse(%q) = %d, but Parse(Plain) = %d, %v", s, fen, back, err)
		}
	})
}

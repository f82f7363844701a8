// Package money parses and formats amounts. Every balance and movement is an
// int64 count of fen (0.01 CNY); text in yuan is read exactly, never through
// a float, and an amount with more than two decimals is refused rather than
// rounded.
package money

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Errors of Parse.
var (
	ErrNotNumber   = errors.New("not a number")
	ErrTooPrecise  = errors.New("more than 2 decimals")
	ErrOutOfRange  = errors.New("out of range")
	ErrNotPositive = errors.New("not greater than zero")
)

// MaxFen bounds amounts so that sums of many stay far from int64 overflow:
// 10^15 fen is ten trillion yuan.
const MaxFen = 1_000_000_000_000_000

// Parse reads a yuan amount such as "1234.5", "0.01" or "-3" into fen.
// Thousands separators are not accepted: a machine-readable field.
func Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrNotNumber
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && frac == "" || hasDot && frac == "" && whole == "" {
		return 0, ErrNotNumber
	}
	if !digits(whole) || !digits(frac) || (hasDot && frac == "") {
		return 0, ErrNotNumber
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 2 {
		return 0, ErrTooPrecise
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 16 {
		return 0, ErrOutOfRange
	}
	var yuan int64
	if whole != "" {
		var err error
		if yuan, err = strconv.ParseInt(whole, 10, 64); err != nil {
			return 0, ErrOutOfRange
		}
	}
	for len(frac) < 2 {
		frac += "0"
	}
	cents, _ := strconv.ParseInt(frac, 10, 64)
	if yuan > (MaxFen-cents)/100 {
		return 0, ErrOutOfRange
	}
	fen := yuan*100 + cents
	if neg {
		fen = -fen
	}
	return fen, nil
}

// ParsePositive reads an amount that must be greater than zero.
func ParsePositive(s string) (int64, error) {
	fen, err := Parse(s)
	if err != nil {
		return 0, err
	}
	if fen <= 0 {
		return 0, ErrNotPositive
	}
	return fen, nil
}

// FromDecimal converts an API decimal (yuan) to fen, refusing more than two
// decimals.
func FromDecimal(d decimal.Decimal) (int64, error) {
	return Parse(d.String())
}

// ToDecimal converts fen to a yuan decimal with two places, for the API.
func ToDecimal(fen int64) decimal.Decimal { return decimal.New(fen, -2) }

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Plain formats fen as yuan with two decimals and no separators: "-1234.50".
func Plain(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign = "-"
		u = uint64(-fen)
		if fen == math.MinInt64 {
			u = 1 << 63
		}
	}
	return sign + strconv.FormatUint(u/100, 10) + "." + pad2(u%100)
}

// Format formats fen as yuan with thousands separators and two decimals:
// "-1,234,567.50", as the console shows amounts.
func Format(fen int64) string {
	p := Plain(fen)
	sign := ""
	if strings.HasPrefix(p, "-") {
		sign, p = "-", p[1:]
	}
	whole, frac, _ := strings.Cut(p, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + "." + frac
}

func pad2(n uint64) string {
	if n < 10 {
		return "0" + strconv.FormatUint(n, 10)
	}
	return strconv.FormatUint(n, 10)
}

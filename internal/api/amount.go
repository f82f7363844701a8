package api

import (
	"bytes"
	"encoding/json"
	"errors"

	"partnercenter/internal/platform/money"
)

// Amounts in yuan, as the BSS API carries them. A request's amount is a JSON
// number or a string holding one: the SDK's decimal type sends a string
// ("10.5") unless its program asks for numbers, and hand-written clients
// send numbers. Either is read exactly, never through a float.

// amount is a request's amount field as sent; fen judges it, naming the
// field in its error.
type amount struct {
	raw []byte // the JSON value; nil when absent or null
}

func (a *amount) UnmarshalJSON(b []byte) error {
	if !bytes.Equal(b, []byte("null")) {
		a.raw = bytes.Clone(b)
	}
	return nil
}

// fen reads the amount of a money movement: present, a decimal number of
// yuan with at most two decimals, greater than zero.
func (a amount) fen(field string) (int64, error) {
	if a.raw == nil {
		return 0, fieldError("CBC.0100", field, "api.amount_required", "is required: an amount in yuan such as 10.25")
	}
	text := string(a.raw)
	if a.raw[0] == '"' {
		if err := json.Unmarshal(a.raw, &text); err != nil {
			return 0, fieldError("CBC.0100", field, "api.amount_not_number", "must be an amount in yuan such as 10.25")
		}
	}
	// money.Parse reads plain decimals only: an exponent (1e2), which JSON
	// allows, is refused rather than expanded, so no input can make a huge
	// number out of a few bytes.
	fen, err := money.Parse(text)
	switch {
	case errors.Is(err, money.ErrTooPrecise):
		return 0, fieldError("CBC.0100", field, "api.amount_precision", "must have at most 2 decimals (fen), not %s", text)
	case errors.Is(err, money.ErrOutOfRange):
		return 0, fieldError("CBC.0100", field, "api.amount_range", "is too large")
	case err != nil:
		return 0, fieldError("CBC.0100", field, "api.amount_not_number", "must be an amount in yuan such as 10.25, not %s", a.raw)
	case fen <= 0:
		return 0, fieldError("CBC.0100", field, "api.amount_positive", "must be greater than zero, not %s", text)
	}
	return fen, nil
}

// yuan writes fen as a JSON number of yuan with two decimals (1234.50): the
// SDK reads these fields as decimals, or as float64 where its model says so.
type yuan int64

func (y yuan) MarshalJSON() ([]byte, error) { return []byte(money.Plain(int64(y))), nil }

// yuanText is the same amount for the fields the SDK declares as strings.
func yuanText(fen int64) string { return money.Plain(fen) }

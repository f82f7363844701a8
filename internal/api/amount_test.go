package api

import (
	"encoding/json"
	"strings"
	"testing"

	"partnercenter/internal/platform/money"
)

// An amount read from any JSON value is either refused naming its field, or
// a positive number of fen that reads back as the same yuan.
func FuzzAmount(f *testing.F) {
	for _, s := range []string{`10.25`, `"10.25"`, `0.001`, `-1`, `"abc"`, `1e2`, `null`, `true`, `"1.000"`, `99999999999999999999`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var req struct {
			Amount amount `json:"amount"`
		}
		if json.Unmarshal([]byte(`{"amount":`+raw+`}`), &req) != nil {
			return
		}
		fen, err := req.Amount.fen("amount")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "amount: ") {
				t.Fatalf("%s: error %v does not name the field", raw, err)
			}
			return
		}
		back, perr := money.Parse(money.Plain(fen))
		if fen <= 0 || perr != nil || back != fen {
			t.Fatalf("%s: %d fen, read back %d (%v)", raw, fen, back, perr)
		}
	})
}

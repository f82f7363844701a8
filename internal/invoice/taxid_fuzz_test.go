package invoice_test

import (
	"strings"
	"testing"

	"partnercenter/internal/invoice"
)

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// FuzzTaxpayerID checks the unified social credit code both ways: any typed
// text normalises to a fixed point and is accepted only as 18 characters
// whose check character is right; and a code completed from any 17
// characters of the alphabet is accepted, while every single mistyped
// character and every swap of two neighbouring characters in it is refused,
// which is what the check character is for.
func FuzzTaxpayerID(f *testing.F) {
	f.Add(" 91350100m000100y43 ", []byte("91350100M000100Y4"))
	f.Add("911100001000000000", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add("91 3501 00M0 00100Y 43\t", []byte("ZZZZZZZZZZZZZZZZZ"))
	f.Add("ｅ", []byte{})
	f.Fuzz(func(t *testing.T, typed string, body []byte) {
		n := invoice.NormaliseTaxpayerID(typed)
		if invoice.NormaliseTaxpayerID(n) != n {
			t.Fatalf("%q normalises to %q, then to %q", typed, n, invoice.NormaliseTaxpayerID(n))
		}
		if invoice.ValidTaxpayerID(n) {
			if len(n) != 18 || invoice.CompleteTaxpayerID(n[:17]) != n {
				t.Fatalf("%q accepted, but its check character is not the one computed", n)
			}
		}

		// A code from the fuzzer's bytes, every character in the alphabet.
		var b strings.Builder
		for i := 0; i < 17; i++ {
			c := byte(0)
			if i < len(body) {
				c = body[i]
			}
			b.WriteByte(usccAlphabet[int(c)%len(usccAlphabet)])
		}
		id := invoice.CompleteTaxpayerID(b.String())
		if !invoice.ValidTaxpayerID(id) || invoice.NormaliseTaxpayerID(id) != id {
			t.Fatalf("completed %q to %q, which is refused", b.String(), id)
		}
		for i := range id {
			for _, c := range []byte(usccAlphabet) {
				if c == id[i] {
					continue
				}
				typo := id[:i] + string(c) + id[i+1:]
				if invoice.ValidTaxpayerID(typo) {
					t.Fatalf("%q accepted: one character off %q", typo, id)
				}
			}
			if i+1 < len(id) && id[i] != id[i+1] {
				swap := id[:i] + string(id[i+1]) + string(id[i]) + id[i+2:]
				if invoice.ValidTaxpayerID(swap) {
					t.Fatalf("%q accepted: two neighbours swapped in %q", swap, id)
				}
			}
		}
		if invoice.ValidTaxpayerID(id[:17]) || invoice.ValidTaxpayerID(id+"0") {
			t.Fatalf("%q accepted shortened or lengthened", id)
		}
	})
}

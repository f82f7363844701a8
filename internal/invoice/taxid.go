package invoice

import "strings"

// The taxpayer id on an invoice is the unified social credit code (统一社会
// 信用代码, GB 32100-2015): 18 characters from a 31-character alphabet (the
// digits and the capitals without I, O, Z, S, V), the last a check character
// computed from the other 17.
//
// The legacy ids (15-character tax registration numbers, 20-character ids
// built on a resident identity card number) are refused: the transition to
// the unified code ended on 2017-12-31, the old business licences and tax
// registration certificates stopped being valid then, and invoices since
// carry the unified code; accepting the old forms would let typing mistakes
// through that no check character catches.

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the position weights of GB 32100-2015 (3^i mod 31).
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormaliseTaxpayerID trims a typed id and puts it in capitals, the form
// in which it is checked and stored. Bytes that are not UTF-8 go first:
// left in, two of them around a removed space could join into a character
// (a no-break space) that a second normalisation would remove, and what is
// stored must normalise to itself.
func NormaliseTaxpayerID(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), ""))
}

// ValidTaxpayerID reports whether s (normalised) is a unified social credit
// code whose check character is right.
func ValidTaxpayerID(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum, ok := weightedSum(s[:17])
	return ok && s[17] == usccCheck(sum)
}

// CompleteTaxpayerID appends the check character to a 17-character body,
// for tests and demo data that need valid ids; it returns "" when the body
// is not 17 characters of the alphabet.
func CompleteTaxpayerID(body string) string {
	sum, ok := weightedSum(body)
	if !ok || len(body) != 17 {
		return ""
	}
	return body + string(usccCheck(sum))
}

// weightedSum is the sum of the 17 characters' values times their weights;
// false when a character is outside the alphabet.
func weightedSum(body string) (int, bool) {
	sum := 0
	for i := 0; i < len(body) && i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, body[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	return sum, true
}

// usccCheck is the check character for a weighted sum: 31 - sum mod 31,
// where 31 stands for 0.
func usccCheck(sum int) byte {
	return usccAlphabet[(31-sum%31)%31]
}

package invoice

import "strings"

// Capitals writes an amount in fen in Chinese financial capitals (大写), as
// invoices print the total: 1234.56 → 壹仟贰佰叁拾肆元伍角陆分, 100010.00 →
// 壹拾万零壹拾元整. Negative amounts are written with 负 in front.
func Capitals(fen int64) string {
	if fen < 0 {
		return "负" + Capitals(-fen)
	}
	yuan, jiao, cents := fen/100, fen/10%10, fen%10
	var b strings.Builder
	if yuan > 0 {
		b.WriteString(yuanCapitals(yuan))
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && cents == 0:
		if yuan == 0 {
			b.WriteString("零元")
		}
		b.WriteString("整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteString(capitalDigits[cents] + "分")
	default:
		b.WriteString(capitalDigits[jiao] + "角")
		if cents == 0 {
			b.WriteString("整")
		} else {
			b.WriteString(capitalDigits[cents] + "分")
		}
	}
	return b.String()
}

var (
	capitalDigits = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	digitUnits    = []string{"", "拾", "佰", "仟"}
	groupUnits    = []string{"", "万", "亿", "万亿"} // up to 10^16 yuan, beyond money.MaxFen
)

// yuanCapitals writes a positive whole number of yuan in groups of four
// digits (个, 万, 亿); a run of zeros between two non-zero digits is read as
// one 零, and trailing zeros are not read at all.
func yuanCapitals(n int64) string {
	var groups []int64
	for ; n > 0; n /= 10000 {
		groups = append(groups, n%10000)
	}
	var b strings.Builder
	zero := false // a zero was skipped since the last digit written
	for gi := len(groups) - 1; gi >= 0; gi-- {
		g := groups[gi]
		if g == 0 {
			zero = b.Len() > 0
			continue
		}
		for pos := 3; pos >= 0; pos-- {
			d := g / pow10[pos] % 10
			if d == 0 {
				zero = zero || b.Len() > 0
				continue
			}
			if zero {
				b.WriteString("零")
				zero = false
			}
			b.WriteString(capitalDigits[d] + digitUnits[pos])
		}
		b.WriteString(groupUnits[gi])
	}
	return b.String()
}

var pow10 = []int64{1, 10, 100, 1000}

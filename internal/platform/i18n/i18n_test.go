package i18n

import (
	"math"
	"regexp"
	"slices"
	"testing"
	"time"
)

// verbs finds fmt verbs, so that both languages of a message take the same
// arguments in the same order.
var verbs = regexp.MustCompile(`%[-+# 0]*[0-9]*[vTtbcdoOqxXUeEfFgGsp]`)

func TestCatalogueHasBothLanguages(t *testing.T) {
	for _, key := range Keys() {
		zh, _ := Text(ZH, key)
		en, _ := Text(EN, key)
		if zh == "" || en == "" {
			t.Errorf("%s: zh-CN %q, en %q: both languages need a text", key, zh, en)
		}
		if a, b := verbs.FindAllString(zh, -1), verbs.FindAllString(en, -1); !slices.Equal(a, b) {
			t.Errorf("%s: zh-CN takes %v, en takes %v", key, a, b)
		}
	}
}

func TestT(t *testing.T) {
	if got := T(ZH, "nav.sales"); got != "销售" {
		t.Errorf("nav.sales in zh-CN = %q", got)
	}
	if got := T(EN, "user.role_invalid", "boss"); got != `Unknown role "boss"` {
		t.Errorf("user.role_invalid in en = %q", got)
	}
	if got := T(EN, "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key = %q, want the key itself", got)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Lang{"zh-CN": ZH, "zh": ZH, "ZH-cn": ZH, "en": EN, "en-US": EN} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %q, %v", in, got, ok)
		}
	}
	if got, ok := Parse("fr"); ok || got != Default {
		t.Errorf("Parse(fr) = %q, %v; want the default, false", got, ok)
	}
}

func TestAmount(t *testing.T) {
	for fen, want := range map[int64]string{
		0:             "0.00",
		5:             "0.05",
		100:           "1.00",
		-1:            "-0.01",
		123456:        "1,234.56",
		100000000:     "1,000,000.00",
		-987654321:    "-9,876,543.21",
		math.MaxInt64: "92,233,720,368,547,758.07",
		math.MinInt64: "-92,233,720,368,547,758.08",
	} {
		if got := Amount(fen); got != want {
			t.Errorf("Amount(%d) = %q, want %q", fen, got, want)
		}
	}
}

func TestDatesInTheUsersZone(t *testing.T) {
	at := time.Date(2026, 3, 1, 17, 30, 0, 0, time.UTC)
	if got := DateTime(at, Location("")); got != "2026-03-02 01:30:00" {
		t.Errorf("default zone: %q", got)
	}
	if got := DateTime(at, Location("Europe/Paris")); got != "2026-03-01 18:30:00" {
		t.Errorf("Europe/Paris: %q", got)
	}
	if got := Date(at, Location("Not/AZone")); got != "2026-03-02" {
		t.Errorf("an unknown zone falls back to the default: %q", got)
	}
	if got := DateTime(time.Time{}, time.UTC); got != "-" {
		t.Errorf("zero time: %q", got)
	}
	day, err := ParseDate("2026-03-02", Location(""))
	if err != nil || !day.Equal(time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseDate: %v, %v", day, err)
	}
}

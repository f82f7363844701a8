package formula

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func env() Values {
	return Values{
		"users":   Num(decimal.NewFromInt(120)),
		"ratio":   Num(decimal.RequireFromString("0.1")),
		"tier":    Str("gold"),
		"ha":      Truth(true),
		"节点数":     Num(decimal.NewFromInt(3)),
		"zero":    Num(decimal.Zero),
		"big":     Num(decimal.New(1, 29)),
		"storage": Num(decimal.RequireFromString("2.5")),
	}
}

func eval(t *testing.T, src string) Value {
	t.Helper()
	x, err := Parse("test", src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	v, err := x.Eval(env())
	if err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	return v
}

func TestNumbersAndPrecedence(t *testing.T) {
	for src, want := range map[string]string{
		"1 + 2 * 3":                  "7",
		"(1 + 2) * 3":                "9",
		"10 - 4 - 3":                 "3", // left to right
		"24 / 4 / 2":                 "3",
		"-2 * 3":                     "-6",
		"- -2":                       "2",
		"+5":                         "5",
		"2 * -3 + 1":                 "-5",
		"0.1 + 0.2":                  "0.3", // exact, not 0.30000000000000004
		"ratio * 3":                  "0.3",
		"1 / 3":                      "0.3333333333333333",
		"1 / 3 * 3":                  "0.9999999999999999",
		"users / 50":                 "2.4",
		"ceil(users / 50)":           "3",
		"floor(users / 50)":          "2",
		"round(2.5)":                 "3",
		"round(-2.5)":                "-3",
		"round(1.23456, 2)":          "1.23",
		"round(1.235, 2)":            "1.24",
		"min(5, users, 7)":           "5",
		"max(5, users, 7)":           "120",
		"if(users > 100, 2, 1)":      "2",
		"if(tier = 'gold', 3, 0)":    "3",
		"节点数 * 2":                    "6",
		"if(zero > 0, 10 / zero, 0)": "0", // the branch not taken is not evaluated
		"storage * 4":                "10",
		".5 + 1":                     "1.5",
	} {
		v := eval(t, src)
		if v.Kind != Number || v.Num.String() != want {
			t.Errorf("%s = %v, want %s", src, v, want)
		}
	}
}

func TestLogic(t *testing.T) {
	for src, want := range map[string]bool{
		"users > 100 and tier = \"gold\"":       true,
		"users > 100 and tier = \"silver\"":     false,
		"users < 100 or ha":                     true,
		"not ha":                                false,
		"!ha || users >= 120":                   true,
		"users <= 119":                          false,
		"tier != 'gold'":                        false,
		"tier <> 'silver'":                      true,
		"ha == true":                            true,
		"1 + 1 = 2":                             true,
		"true or false and false":               true,  // and binds tighter than or
		"not false and false":                   false, // not binds tighter than and
		"(true or false) and false":             false,
		"zero > 0 and 10 / zero > 1":            false, // and stops at false
		"users > 0 OR tier = 'x'":               true,  // keywords ignore case
		"users > 0 And NOT (tier = 'platinum')": true,
	} {
		v := eval(t, src)
		if v.Kind != Bool || v.B != want {
			t.Errorf("%s = %v, want %v", src, v, want)
		}
	}
}

func TestParseOnceEvaluateMany(t *testing.T) {
	x, err := Parse("quantity", "ceil(users / 50) * 2")
	if err != nil {
		t.Fatal(err)
	}
	for users, want := range map[int64]string{1: "2", 50: "2", 51: "4", 500: "20"} {
		d, err := x.EvalNumber(Values{"users": Num(decimal.NewFromInt(users))})
		if err != nil || d.String() != want {
			t.Errorf("users=%d: %v, %v; want %s", users, d, err, want)
		}
	}
	if got := x.Names(); len(got) != 1 || got[0] != "users" {
		t.Errorf("Names = %v", got)
	}
}

// TestErrors covers every kind of error, each naming the formula, the
// character and, where there is one, the name at fault.
func TestErrors(t *testing.T) {
	for _, c := range []struct {
		src   string
		parse bool // refused by Parse rather than by Eval
		kind  string
		pos   int
		name  string
	}{
		{"", true, ErrSyntax, 1, ""},
		{"1 +", true, ErrSyntax, 4, ""},
		{"(1 + 2", true, ErrSyntax, 7, ""},
		{"1 + 2)", true, ErrSyntax, 6, ")"},
		{"2 # 3", true, ErrSyntax, 3, "#"},
		{"3x", true, ErrSyntax, 2, "x"},
		{"1.2.3", true, ErrSyntax, 4, "."},
		{"'open", true, ErrSyntax, 1, "'"},
		{"1 < 2 < 3", true, ErrSyntax, 7, "<"},
		{"sqrt(4)", true, ErrUnknownFunc, 1, "sqrt"},
		{"if(ha, 1)", true, ErrArity, 1, "if"},
		{"round(1, 2, 3)", true, ErrArity, 1, "round"},
		{"ceil()", true, ErrArity, 1, "ceil"},
		{"1234567890123456789012345", true, ErrTooLarge, 1, "1234567890123456789012345"},
		{strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100), true, ErrTooLarge, 0, ""},
		{strings.Repeat("1+", 1001) + "1", true, ErrTooLarge, MaxLength + 1, ""},
		{"users * 2 + nodes", false, ErrUnknownName, 13, "nodes"},
		{"users / zero", false, ErrDivideByZero, 7, "/"},
		{"tier + 1", false, ErrType, 6, "+"},
		{"tier > 'a'", false, ErrType, 6, ">"},
		{"users = 'gold'", false, ErrType, 7, "="},
		{"if(users, 1, 2)", false, ErrType, 1, "if"},
		{"users and ha", false, ErrType, 7, "and"},
		{"not users", false, ErrType, 1, "not"},
		{"round(1.5, 11)", false, ErrType, 1, "round"},
		{"big * 10", false, ErrTooLarge, 5, ""},
	} {
		x, err := Parse("line 3 quantity", c.src)
		if c.parse != (err != nil) {
			t.Errorf("%q: Parse error %v, want one: %v", c.src, err, c.parse)
			continue
		}
		if err == nil {
			_, err = x.Eval(env())
		}
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%q: error %v is not a formula error", c.src, err)
			continue
		}
		if fe.Kind != c.kind || (c.pos != 0 && fe.Pos != c.pos) || fe.Name != c.name || fe.Formula != "line 3 quantity" {
			t.Errorf("%q: %+v; want kind %s at %d naming %q", c.src, fe, c.kind, c.pos, c.name)
		}
		if !strings.Contains(fe.Error(), "line 3 quantity") {
			t.Errorf("%q: message %q does not name the formula", c.src, fe.Error())
		}
	}
}

func TestPositionsCountCharacters(t *testing.T) {
	x, _ := Parse("rule", "节点数 + 未知")
	err := x.Check(func(n string) bool { return n == "节点数" })
	var fe *Error
	if !errors.As(err, &fe) || fe.Pos != 7 || fe.Name != "未知" || fe.Kind != ErrUnknownName {
		t.Fatalf("Check: %v", err)
	}
}

func TestResultKinds(t *testing.T) {
	x, _ := Parse("rule", "users + 1")
	var fe *Error
	if _, err := x.EvalBool(env()); !errors.As(err, &fe) || fe.Kind != ErrResultKind {
		t.Errorf("EvalBool of a number: %v", err)
	}
	y, _ := Parse("quantity", "users > 1")
	if _, err := y.EvalNumber(env()); !errors.As(err, &fe) || fe.Kind != ErrResultKind {
		t.Errorf("EvalNumber of a truth value: %v", err)
	}
}

// FuzzFormula parses and evaluates anything: it must never panic, and a
// formula that parses must evaluate to a value or a formula error.
func FuzzFormula(f *testing.F) {
	for _, s := range []string{"1 + 2 * 3", "if(users > 100, ceil(users / 50), 1)", "tier = 'gold' and not ha",
		"round(ratio * 3, 2)", "min(1, 2, max(3, 4))", "((((1))))", "10 / zero", "节点数 * 2", "'", "1..2", "-(-(-1))",
		"big * big", "round(1, 10)", "a < b < c", "!!ha"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		x, err := Parse("fuzz", src)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%q): %v is not a formula error", src, err)
			}
			return
		}
		_ = x.Check(func(string) bool { return true })
		if _, err := x.Eval(env()); err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Eval(%q): %v is not a formula error", src, err)
			}
		}
	})
}

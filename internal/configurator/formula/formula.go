// Package formula owns the small expression language of configurators: the
// quantity of a bill-of-materials line, a parameter's validation rule. It is
// safe to evaluate what a partner typed: no loops, no calls out, bounded
// length, nesting and magnitude, and every number is an exact decimal (never
// a float), so 0.1 + 0.2 = 0.3 and a price never drifts.
//
// The language:
//
//	numbers       12, 0.5 (no exponents)
//	text          "gold" or 'gold' (to compare with a choice parameter)
//	names         parameter names: letters, digits and _, not starting with a digit
//	arithmetic    + - * / and parentheses; unary minus
//	comparison    = (or ==), != (or <>), <, <=, >, >=
//	logic         and, or, not (also &&, ||, !); true, false
//	functions     if(cond, a, b), min(a, b, ...), max(a, b, ...), ceil(x),
//	              floor(x), round(x) or round(x, places)
//
// Precedence, loosest first: or; and; not; comparisons; + -; * /; unary
// minus. Division keeps 16 decimals (DivisionPrecision); round rounds half
// away from zero. A formula is parsed once (Parse) and evaluated many times
// (Expr.Eval). Every error says which formula, at which character (counted
// from 1, in characters not bytes) and, for an unknown name, which name.
package formula

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Limits that keep a hostile formula cheap.
const (
	MaxLength         = 2000 // characters in a formula
	MaxDepth          = 64   // nesting of parentheses and operators
	MaxLiteralDigits  = 24   // digits in one number literal
	DivisionPrecision = 16   // decimals kept by a division
	MaxRoundPlaces    = 10   // round(x, places) accepts 0..10
)

// maxMagnitude bounds every intermediate result: |x| < 10^30. Quantities and
// prices live far below it; the bound stops a formula from building numbers
// whose arithmetic would be slow.
var maxMagnitude = decimal.New(1, 30)

// Kind is the type of a value.
type Kind uint8

const (
	Number Kind = iota
	Text
	Bool
)

func (k Kind) String() string {
	switch k {
	case Number:
		return "number"
	case Text:
		return "text"
	default:
		return "true/false"
	}
}

// Value is a number, a text or a truth value.
type Value struct {
	Kind Kind
	Num  decimal.Decimal
	Str  string
	B    bool
}

// Num makes a number value.
func Num(d decimal.Decimal) Value { return Value{Kind: Number, Num: d} }

// Str makes a text value.
func Str(s string) Value { return Value{Kind: Text, Str: s} }

// Truth makes a truth value.
func Truth(b bool) Value { return Value{Kind: Bool, B: b} }

func (v Value) String() string {
	switch v.Kind {
	case Number:
		return v.Num.String()
	case Text:
		return fmt.Sprintf("%q", v.Str)
	default:
		if v.B {
			return "true"
		}
		return "false"
	}
}

// Env gives the values of names during an evaluation.
type Env interface {
	Lookup(name string) (Value, bool)
}

// Values is an Env over a map.
type Values map[string]Value

// Lookup implements Env.
func (v Values) Lookup(name string) (Value, bool) { x, ok := v[name]; return x, ok }

// Error kinds; the configurator turns each into a message of its own.
const (
	ErrSyntax       = "syntax"       // the text is not a formula; Name holds what was found
	ErrUnknownName  = "unknown_name" // Name is not a parameter
	ErrUnknownFunc  = "unknown_func" // Name is not a function
	ErrArity        = "arity"        // Name was called with the wrong number of arguments
	ErrType         = "type"         // an operator or function got the wrong kind of value; Name is the operator
	ErrDivideByZero = "divide_by_zero"
	ErrTooLarge     = "too_large"   // a result beyond 10^30, or a formula too long or deep
	ErrResultKind   = "result_kind" // the formula's result is not of the kind its use needs; Name is the kind wanted
)

// Error is why a formula does not parse or evaluate.
type Error struct {
	Formula string // the formula's name, e.g. "line 3 quantity"
	Pos     int    // character, from 1
	Kind    string // one of the Err... kinds
	Name    string // the unknown name, the operator, the token found...
	Detail  string // English detail
}

func (e *Error) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("formula %s, character %d: %s (%s)", e.Formula, e.Pos, e.Detail, e.Name)
	}
	return fmt.Sprintf("formula %s, character %d: %s", e.Formula, e.Pos, e.Detail)
}

// Expr is a parsed formula.
type Expr struct {
	name string
	src  string
	root node
	refs []ref // the names it reads, in order of appearance
}

type ref struct {
	name string
	pos  int
}

// Name is the formula's name given to Parse.
func (x *Expr) Name() string { return x.name }

// Source is the formula's text.
func (x *Expr) Source() string { return x.src }

// Names lists the parameter names the formula reads, each once.
func (x *Expr) Names() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range x.refs {
		if !seen[r.name] {
			seen[r.name] = true
			out = append(out, r.name)
		}
	}
	return out
}

// Check reports the first name the formula reads that known does not hold.
func (x *Expr) Check(known func(name string) bool) error {
	for _, r := range x.refs {
		if !known(r.name) {
			return &Error{Formula: x.name, Pos: r.pos, Kind: ErrUnknownName, Name: r.name, Detail: "unknown name"}
		}
	}
	return nil
}

// Eval evaluates the formula with the names of env.
func (x *Expr) Eval(env Env) (Value, error) {
	v, err := x.root.eval(env)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Formula = x.name
		}
		return Value{}, err
	}
	return v, nil
}

// EvalNumber evaluates a formula that must give a number.
func (x *Expr) EvalNumber(env Env) (decimal.Decimal, error) {
	v, err := x.Eval(env)
	if err != nil {
		return decimal.Decimal{}, err
	}
	if v.Kind != Number {
		return decimal.Decimal{}, &Error{Formula: x.name, Pos: 1, Kind: ErrResultKind, Name: Number.String(),
			Detail: "the formula gives " + v.Kind.String() + ", a number is needed"}
	}
	return v.Num, nil
}

// EvalBool evaluates a formula that must give true or false.
func (x *Expr) EvalBool(env Env) (bool, error) {
	v, err := x.Eval(env)
	if err != nil {
		return false, err
	}
	if v.Kind != Bool {
		return false, &Error{Formula: x.name, Pos: 1, Kind: ErrResultKind, Name: Bool.String(),
			Detail: "the formula gives " + v.Kind.String() + ", true or false is needed"}
	}
	return v.B, nil
}

// Parse parses src as the formula called name.
func Parse(name, src string) (*Expr, error) {
	if n := len([]rune(src)); n > MaxLength {
		return nil, &Error{Formula: name, Pos: MaxLength + 1, Kind: ErrTooLarge, Detail: fmt.Sprintf("a formula has at most %d characters", MaxLength)}
	}
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Formula: name, Pos: 1, Kind: ErrSyntax, Detail: "the formula is empty"}
	}
	toks, err := lex(src)
	if err != nil {
		err.Formula = name
		return nil, err
	}
	p := &parser{toks: toks}
	root, perr := p.parseOr()
	if perr == nil && p.peek().kind != tEOF {
		perr = p.unexpected(p.peek())
	}
	if perr != nil {
		perr.Formula = name
		return nil, perr
	}
	return &Expr{name: name, src: src, root: root, refs: p.refs}, nil
}

package formula

import (
	"github.com/shopspring/decimal"
)

// node is one part of a parsed formula.
type node interface {
	eval(env Env) (Value, error)
}

type literal struct{ v Value }

func (l *literal) eval(Env) (Value, error) { return l.v, nil }

type name struct {
	name string
	pos  int
}

func (n *name) eval(env Env) (Value, error) {
	v, ok := env.Lookup(n.name)
	if !ok {
		return Value{}, &Error{Pos: n.pos, Kind: ErrUnknownName, Name: n.name, Detail: "unknown name"}
	}
	return v, nil
}

func typeError(op string, pos int, want Kind, got Value) error {
	return &Error{Pos: pos, Kind: ErrType, Name: op, Detail: op + " needs " + want.String() + ", not " + got.Kind.String()}
}

// operand evaluates x and requires a value of the kind want, for
// operator op at pos.
func operand(x node, env Env, op string, pos int, want Kind) (Value, error) {
	v, err := x.eval(env)
	if err != nil {
		return Value{}, err
	}
	if v.Kind != want {
		return Value{}, typeError(op, pos, want, v)
	}
	return v, nil
}

func number(x node, env Env, op string, pos int) (decimal.Decimal, error) {
	v, err := operand(x, env, op, pos, Number)
	return v.Num, err
}

func truth(x node, env Env, op string, pos int) (bool, error) {
	v, err := operand(x, env, op, pos, Bool)
	return v.B, err
}

// bounded refuses a result beyond the magnitude limit.
func bounded(d decimal.Decimal, pos int) (Value, error) {
	if d.Abs().Cmp(maxMagnitude) >= 0 {
		return Value{}, &Error{Pos: pos, Kind: ErrTooLarge, Detail: "the result is beyond 10^30"}
	}
	return Num(d), nil
}

type arith struct {
	op          byte
	left, right node
	pos         int
}

func (a *arith) eval(env Env) (Value, error) {
	op := string(a.op)
	l, err := number(a.left, env, op, a.pos)
	if err != nil {
		return Value{}, err
	}
	r, err := number(a.right, env, op, a.pos)
	if err != nil {
		return Value{}, err
	}
	switch a.op {
	case '+':
		return bounded(l.Add(r), a.pos)
	case '-':
		return bounded(l.Sub(r), a.pos)
	case '*':
		return bounded(l.Mul(r), a.pos)
	default:
		if r.IsZero() {
			return Value{}, &Error{Pos: a.pos, Kind: ErrDivideByZero, Name: "/", Detail: "division by zero"}
		}
		return bounded(l.DivRound(r, DivisionPrecision), a.pos)
	}
}

type neg struct {
	x   node
	pos int
}

func (n *neg) eval(env Env) (Value, error) {
	d, err := number(n.x, env, "-", n.pos)
	if err != nil {
		return Value{}, err
	}
	return Num(d.Neg()), nil
}

type plus struct {
	x   node
	pos int
}

func (n *plus) eval(env Env) (Value, error) {
	d, err := number(n.x, env, "+", n.pos)
	if err != nil {
		return Value{}, err
	}
	return Num(d), nil
}

type compare struct {
	op          string
	left, right node
	pos         int
}

func (c *compare) eval(env Env) (Value, error) {
	l, err := c.left.eval(env)
	if err != nil {
		return Value{}, err
	}
	r, err := c.right.eval(env)
	if err != nil {
		return Value{}, err
	}
	if l.Kind != r.Kind {
		return Value{}, &Error{Pos: c.pos, Kind: ErrType, Name: c.op, Detail: c.op + " compares " + l.Kind.String() + " with " + r.Kind.String()}
	}
	equal := c.op == "=" || c.op == "=="
	unequal := c.op == "!=" || c.op == "<>"
	switch l.Kind {
	case Text:
		if !equal && !unequal {
			return Value{}, typeError(c.op, c.pos, Number, l)
		}
		return Truth((l.Str == r.Str) == equal), nil
	case Bool:
		if !equal && !unequal {
			return Value{}, typeError(c.op, c.pos, Number, l)
		}
		return Truth((l.B == r.B) == equal), nil
	}
	cmp := l.Num.Cmp(r.Num)
	switch c.op {
	case "<":
		return Truth(cmp < 0), nil
	case "<=":
		return Truth(cmp <= 0), nil
	case ">":
		return Truth(cmp > 0), nil
	case ">=":
		return Truth(cmp >= 0), nil
	}
	return Truth((cmp == 0) == equal), nil
}

type logic struct {
	and         bool
	left, right node
	pos         int
	op          string
}

// eval stops early as people expect: false and x is false without x.
func (g *logic) eval(env Env) (Value, error) {
	l, err := truth(g.left, env, g.op, g.pos)
	if err != nil {
		return Value{}, err
	}
	if l != g.and {
		return Truth(l), nil
	}
	r, err := truth(g.right, env, g.op, g.pos)
	if err != nil {
		return Value{}, err
	}
	return Truth(r), nil
}

type not struct {
	x   node
	pos int
	op  string
}

func (n *not) eval(env Env) (Value, error) {
	b, err := truth(n.x, env, n.op, n.pos)
	if err != nil {
		return Value{}, err
	}
	return Truth(!b), nil
}

type call struct {
	fn   string
	args []node
	pos  int
}

func (c *call) eval(env Env) (Value, error) {
	switch c.fn {
	case "if":
		// Only the branch taken is evaluated, so if(n > 0, 10 / n, 0) is safe.
		cond, err := truth(c.args[0], env, "if", c.pos)
		if err != nil {
			return Value{}, err
		}
		if cond {
			return c.args[1].eval(env)
		}
		return c.args[2].eval(env)
	case "min", "max":
		best, err := number(c.args[0], env, c.fn, c.pos)
		if err != nil {
			return Value{}, err
		}
		for _, a := range c.args[1:] {
			d, err := number(a, env, c.fn, c.pos)
			if err != nil {
				return Value{}, err
			}
			if c.fn == "min" && d.Cmp(best) < 0 || c.fn == "max" && d.Cmp(best) > 0 {
				best = d
			}
		}
		return Num(best), nil
	}
	x, err := number(c.args[0], env, c.fn, c.pos)
	if err != nil {
		return Value{}, err
	}
	switch c.fn {
	case "ceil":
		return Num(x.Ceil()), nil
	case "floor":
		return Num(x.Floor()), nil
	}
	places := decimal.Zero
	if len(c.args) == 2 {
		if places, err = number(c.args[1], env, c.fn, c.pos); err != nil {
			return Value{}, err
		}
	}
	if !places.IsInteger() || places.IsNegative() || places.Cmp(decimal.NewFromInt(MaxRoundPlaces)) > 0 {
		return Value{}, &Error{Pos: c.pos, Kind: ErrType, Name: "round", Detail: "round keeps 0 to 10 decimals"}
	}
	return Num(x.Round(int32(places.IntPart()))), nil
}

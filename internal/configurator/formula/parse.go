package formula

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/shopspring/decimal"
)

type tokenKind uint8

const (
	tEOF tokenKind = iota
	tNumber
	tText
	tName
	tOp // + - * / ( ) , and comparison and logic symbols
)

type token struct {
	kind tokenKind
	text string // the operator, the name, the text's content or the number's digits
	pos  int    // character, from 1
}

// lex splits a formula into tokens. Positions count characters, so that a
// message points at the right place in a formula with Chinese names.
func lex(src string) ([]token, *Error) {
	rs := []rune(src)
	var out []token
	for i := 0; i < len(rs); {
		r := rs[i]
		pos := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
		case r >= '0' && r <= '9' || r == '.' && i+1 < len(rs) && rs[i+1] >= '0' && rs[i+1] <= '9':
			start, digits, dot := i, 0, false
			for i < len(rs) && (rs[i] >= '0' && rs[i] <= '9' || rs[i] == '.' && !dot) {
				if rs[i] == '.' {
					dot = true
				} else {
					digits++
				}
				i++
			}
			if digits > MaxLiteralDigits {
				return nil, &Error{Pos: pos, Kind: ErrTooLarge, Name: string(rs[start:i]), Detail: fmt.Sprintf("a number has at most %d digits", MaxLiteralDigits)}
			}
			if i < len(rs) && (isNameStart(rs[i]) || rs[i] == '.') {
				return nil, &Error{Pos: i + 1, Kind: ErrSyntax, Name: string(rs[i]), Detail: "unexpected character after a number"}
			}
			out = append(out, token{tNumber, string(rs[start:i]), pos})
		case isNameStart(r):
			start := i
			for i < len(rs) && (isNameStart(rs[i]) || unicode.IsDigit(rs[i])) {
				i++
			}
			out = append(out, token{tName, string(rs[start:i]), pos})
		case r == '"' || r == '\'':
			end := -1
			for j := i + 1; j < len(rs); j++ {
				if rs[j] == r {
					end = j
					break
				}
			}
			if end < 0 {
				return nil, &Error{Pos: pos, Kind: ErrSyntax, Name: string(r), Detail: "the text is not closed"}
			}
			out = append(out, token{tText, string(rs[i+1 : end]), pos})
			i = end + 1
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "<=", ">=", "!=", "<>", "==", "&&", "||":
				out = append(out, token{tOp, two, pos})
				i += 2
				continue
			}
			if !strings.ContainsRune("+-*/(),<>=!", r) {
				return nil, &Error{Pos: pos, Kind: ErrSyntax, Name: string(r), Detail: "unexpected character"}
			}
			out = append(out, token{tOp, string(r), pos})
			i++
		}
	}
	return append(out, token{tEOF, "", len(rs) + 1}), nil
}

func isNameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

// parser is a recursive-descent parser, one method per precedence level.
type parser struct {
	toks  []token
	i     int
	depth int
	refs  []ref
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// isWord reports whether t is the keyword w (keywords ignore case).
func isWord(t token, w string) bool { return t.kind == tName && strings.EqualFold(t.text, w) }

func isOp(t token, ops ...string) bool {
	if t.kind != tOp {
		return false
	}
	for _, o := range ops {
		if t.text == o {
			return true
		}
	}
	return false
}

func (p *parser) unexpected(t token) *Error {
	if t.kind == tEOF {
		return &Error{Pos: t.pos, Kind: ErrSyntax, Detail: "the formula ends too early"}
	}
	found := t.text
	if t.kind == tText {
		found = `"` + t.text + `"`
	}
	return &Error{Pos: t.pos, Kind: ErrSyntax, Name: found, Detail: "unexpected " + found}
}

// enter guards the nesting depth, so that a formula of a thousand
// parentheses is refused instead of exhausting the stack.
func (p *parser) enter() *Error {
	p.depth++
	if p.depth > MaxDepth {
		return &Error{Pos: p.peek().pos, Kind: ErrTooLarge, Detail: fmt.Sprintf("a formula nests at most %d levels", MaxDepth)}
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) parseOr() (node, *Error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	left, err := p.parseAnd()
	for err == nil && (isWord(p.peek(), "or") || isOp(p.peek(), "||")) {
		t := p.next()
		var right node
		if right, err = p.parseAnd(); err == nil {
			left = &logic{and: false, left: left, right: right, pos: t.pos, op: t.text}
		}
	}
	return left, err
}

func (p *parser) parseAnd() (node, *Error) {
	left, err := p.parseNot()
	for err == nil && (isWord(p.peek(), "and") || isOp(p.peek(), "&&")) {
		t := p.next()
		var right node
		if right, err = p.parseNot(); err == nil {
			left = &logic{and: true, left: left, right: right, pos: t.pos, op: t.text}
		}
	}
	return left, err
}

func (p *parser) parseNot() (node, *Error) {
	if t := p.peek(); isWord(t, "not") || isOp(t, "!") {
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &not{x: x, pos: t.pos, op: t.text}, nil
	}
	return p.parseComparison()
}

func (p *parser) parseComparison() (node, *Error) {
	left, err := p.parseSum()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); isOp(t, "=", "==", "!=", "<>", "<", "<=", ">", ">=") {
		p.next()
		right, err := p.parseSum()
		if err != nil {
			return nil, err
		}
		left = &compare{op: t.text, left: left, right: right, pos: t.pos}
		if t2 := p.peek(); isOp(t2, "=", "==", "!=", "<>", "<", "<=", ">", ">=") {
			// a < b < c reads like mathematics but would compare a truth
			// value with a number: refuse it here rather than at evaluation.
			return nil, &Error{Pos: t2.pos, Kind: ErrSyntax, Name: t2.text, Detail: "comparisons cannot be chained; join them with and"}
		}
	}
	return left, nil
}

func (p *parser) parseSum() (node, *Error) { return p.parseArith(p.parseProduct, "+", "-") }

func (p *parser) parseProduct() (node, *Error) { return p.parseArith(p.parseUnary, "*", "/") }

// parseArith parses a left-associative chain of ops over operands of next.
func (p *parser) parseArith(next func() (node, *Error), ops ...string) (node, *Error) {
	left, err := next()
	for err == nil && isOp(p.peek(), ops...) {
		t := p.next()
		var right node
		if right, err = next(); err == nil {
			left = &arith{op: t.text[0], left: left, right: right, pos: t.pos}
		}
	}
	return left, err
}

func (p *parser) parseUnary() (node, *Error) {
	if t := p.peek(); isOp(t, "-", "+") {
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if t.text == "+" {
			return &plus{x: x, pos: t.pos}, nil
		}
		return &neg{x: x, pos: t.pos}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (node, *Error) {
	t := p.next()
	switch {
	case t.kind == tNumber:
		d, err := decimal.NewFromString(t.text)
		if err != nil {
			return nil, &Error{Pos: t.pos, Kind: ErrSyntax, Name: t.text, Detail: "not a number"}
		}
		return &literal{v: Num(d)}, nil
	case t.kind == tText:
		return &literal{v: Str(t.text)}, nil
	case isWord(t, "true"), isWord(t, "false"):
		return &literal{v: Truth(isWord(t, "true"))}, nil
	case isWord(t, "and"), isWord(t, "or"), isWord(t, "not"):
		return nil, p.unexpected(t)
	case t.kind == tName && isOp(p.peek(), "("):
		return p.parseCall(t)
	case t.kind == tName:
		p.refs = append(p.refs, ref{name: t.text, pos: t.pos})
		return &name{name: t.text, pos: t.pos}, nil
	case isOp(t, "("):
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); !isOp(c, ")") {
			return nil, p.unexpected(c)
		}
		return x, nil
	}
	return nil, p.unexpected(t)
}

// functions lists each function with its fewest and most arguments
// (-1: any number).
var functions = map[string][2]int{
	"if": {3, 3}, "min": {1, -1}, "max": {1, -1}, "ceil": {1, 1}, "floor": {1, 1}, "round": {1, 2},
}

func (p *parser) parseCall(fn token) (node, *Error) {
	lower := strings.ToLower(fn.text)
	arity, ok := functions[lower]
	if !ok {
		return nil, &Error{Pos: fn.pos, Kind: ErrUnknownFunc, Name: fn.text, Detail: "unknown function"}
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.next() // (
	var args []node
	if !isOp(p.peek(), ")") {
		for {
			a, err := p.parseOr()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if !isOp(p.peek(), ",") {
				break
			}
			p.next()
		}
	}
	if c := p.next(); !isOp(c, ")") {
		return nil, p.unexpected(c)
	}
	if len(args) < arity[0] || arity[1] >= 0 && len(args) > arity[1] {
		want := fmt.Sprintf("%d", arity[0])
		switch {
		case arity[1] < 0:
			want = fmt.Sprintf("at least %d", arity[0])
		case arity[1] != arity[0]:
			want = fmt.Sprintf("%d or %d", arity[0], arity[1])
		}
		return nil, &Error{Pos: fn.pos, Kind: ErrArity, Name: fn.text, Detail: fmt.Sprintf("%s takes %s arguments, not %d", fn.text, want, len(args))}
	}
	return &call{fn: lower, args: args, pos: fn.pos}, nil
}

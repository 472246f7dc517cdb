package serpent

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// kind classifies a parsed expression for literal_eval's arithmetic rules:
// unary +/- applies only to a number constant, and a binary +/- only to a
// (signed) real constant on the left and an imaginary constant on the right.
// Parentheses keep the kind of what they enclose.
type kind uint8

const (
	kindOther  kind = iota
	kindNum         // int, float or imaginary literal
	kindSigned      // unary +/- applied to a kindNum
	kindBinOp       // real +/- imaginary
)

type parser struct {
	data  []byte
	pos   int
	nest  int // open brackets: newlines are whitespace inside them
	depth int
	items int
	bytes int
	lim   serial.Limits
	stack []any        // scratch for sequence members
	kv    []value.Item // scratch for dict items
	buf   []byte       // scratch for escaped literals
}

// parsers are recycled so that the scratch stacks are allocated once.
var parsers = sync.Pool{New: func() any { return new(parser) }}

// Scratch buffers larger than these are not kept for reuse.
const (
	maxPooledStack = 1 << 12
	maxPooledBuf   = 1 << 16
)

func decode(data []byte, lim serial.Limits) (any, error) {
	p := parsers.Get().(*parser)
	*p = parser{data: data, lim: lim, stack: p.stack[:0], kv: p.kv[:0], buf: p.buf[:0]}
	v, err := p.run()
	// After an error the stacks may still hold values: drop them.
	clear(p.stack)
	clear(p.kv)
	if cap(p.stack) > maxPooledStack {
		p.stack = nil
	}
	if cap(p.kv) > maxPooledStack {
		p.kv = nil
	}
	if cap(p.buf) > maxPooledBuf {
		p.buf = nil
	}
	p.data = nil
	parsers.Put(p)
	return v, err
}

func (p *parser) run() (any, error) {
	data := p.data
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, p.errAt(i, serial.ErrMalformed, "0x00 byte in serpent text")
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, p.errAt(i, serial.ErrMalformed, "invalid UTF-8")
	}
	if err := p.skipLeading(); err != nil {
		return nil, err
	}
	v, err := p.parseTop()
	if err != nil {
		return nil, err
	}
	if err := p.skipTrailing(); err != nil {
		return nil, err
	}
	return v, nil
}

// errAt builds a *DecodeError for offset pos.
func (p *parser) errAt(pos int, sentinel error, format string, args ...any) error {
	if pos > len(p.data) {
		pos = len(p.data)
	}
	line := 1 + bytes.Count(p.data[:pos], []byte{'\n'})
	col := pos - (bytes.LastIndexByte(p.data[:pos], '\n') + 1) + 1
	return &DecodeError{Offset: pos, Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func (p *parser) malformed(format string, args ...any) error {
	return p.errAt(p.pos, serial.ErrMalformed, format, args...)
}

func (p *parser) unexpected(what string) error {
	if p.pos >= len(p.data) {
		return p.malformed("unexpected end of input, want %s", what)
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return p.malformed("unexpected %q, want %s", r, what)
}

// skipLeading skips blank and comment lines (the header line is a comment)
// before the expression. Like Python, the first token may be indented only
// on the first line (literal_eval strips leading spaces and tabs).
func (p *parser) skipLeading() error {
	d := p.data
	for {
		lineStart := p.pos
		indent, onlyBlanks := 0, true
		for p.pos < len(d) {
			c := d[p.pos]
			if c == ' ' || c == '\t' {
				indent++
			} else if c == '\f' {
				indent, onlyBlanks = 0, false
			} else {
				break
			}
			p.pos++
		}
		if p.pos >= len(d) {
			return p.malformed("no expression")
		}
		switch c := d[p.pos]; {
		case c == '#':
			p.skipComment()
			continue
		case c == '\n' || c == '\r':
			p.skipNewline()
			continue
		case c == '\\' && p.newlineAt(p.pos+1):
			p.pos++
			p.skipNewline()
			if p.pos >= len(d) {
				return p.malformed("end of input after line continuation")
			}
			continue
		}
		if indent > 0 && !(lineStart == 0 && onlyBlanks) {
			return p.malformed("unexpected indent")
		}
		return nil
	}
}

// skipTrailing accepts only whitespace, comments and newlines after the
// expression.
func (p *parser) skipTrailing() error {
	for {
		if err := p.skipSpace(); err != nil {
			return err
		}
		if p.pos >= len(p.data) {
			return nil
		}
		if !p.newlineAt(p.pos) {
			return p.unexpected("end of input")
		}
		p.skipNewline()
	}
}

func (p *parser) newlineAt(i int) bool {
	return i < len(p.data) && (p.data[i] == '\n' || p.data[i] == '\r')
}

func (p *parser) skipNewline() {
	if p.data[p.pos] == '\r' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '\n' {
		p.pos++
	}
	p.pos++
}

func (p *parser) skipComment() {
	for p.pos < len(p.data) && p.data[p.pos] != '\n' && p.data[p.pos] != '\r' {
		p.pos++
	}
}

// skipSpace skips spaces, tabs, form feeds, comments and line
// continuations, and newlines when inside brackets.
func (p *parser) skipSpace() error {
	d := p.data
	for p.pos < len(d) {
		switch d[p.pos] {
		case ' ', '\t', '\f':
			p.pos++
		case '\n', '\r':
			if p.nest == 0 {
				return nil
			}
			p.skipNewline()
		case '#':
			p.skipComment()
		case '\\':
			if !p.newlineAt(p.pos + 1) {
				return p.malformed("unexpected character after line continuation")
			}
			p.pos++
			p.skipNewline()
			if p.pos >= len(d) {
				return p.malformed("end of input after line continuation")
			}
		default:
			return nil
		}
	}
	return nil
}

// peek returns the next byte after whitespace, or 0 at the end.
func (p *parser) peek() (byte, error) {
	if err := p.skipSpace(); err != nil {
		return 0, err
	}
	if p.pos >= len(p.data) {
		return 0, nil
	}
	return p.data[p.pos], nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > p.lim.MaxDepth {
		return p.errAt(p.pos, serial.ErrLimit, "nesting deeper than %d", p.lim.MaxDepth)
	}
	return nil
}

func (p *parser) countItem() error {
	p.items++
	if p.items > p.lim.MaxItems {
		return p.errAt(p.pos, serial.ErrLimit, "more than %d container elements", p.lim.MaxItems)
	}
	return nil
}

func (p *parser) countBytes(at, n int) error {
	p.bytes += n
	if p.bytes > p.lim.MaxBytes {
		return p.errAt(at, serial.ErrLimit, "more than %d bytes of str/bytes data", p.lim.MaxBytes)
	}
	return nil
}

// parseTop parses the expression, which may be a tuple without
// parentheses ("1, 2").
func (p *parser) parseTop() (any, error) {
	v, _, err := p.parseExpr(false)
	if err != nil {
		return nil, err
	}
	c, err := p.peek()
	if err != nil || c != ',' {
		return v, err
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	base := len(p.stack)
	p.stack = append(p.stack, v)
	if err := p.countItem(); err != nil {
		return nil, err
	}
	for {
		p.pos++ // the comma
		c, err := p.peek()
		if err != nil {
			return nil, err
		}
		if c == 0 || c == '\n' || c == '\r' {
			break
		}
		v, _, err := p.parseExpr(false)
		if err != nil {
			return nil, err
		}
		p.stack = append(p.stack, v)
		if err := p.countItem(); err != nil {
			return nil, err
		}
		if c, err = p.peek(); err != nil {
			return nil, err
		}
		if c != ',' {
			break
		}
	}
	p.depth--
	return value.Tuple(p.popSeq(base)), nil
}

// popSeq returns a copy of the members pushed since base and pops them.
func (p *parser) popSeq(base int) []any {
	out := make([]any, len(p.stack)-base)
	copy(out, p.stack[base:])
	clear(p.stack[base:])
	p.stack = p.stack[:base]
	return out
}

// parseExpr parses one expression: a literal, a signed number, or a real
// number plus or minus an imaginary one. key is true where Python must
// hash the value (dict keys, set members and everything inside them).
func (p *parser) parseExpr(key bool) (any, kind, error) {
	v, k, err := p.parseUnary(key)
	if err != nil {
		return nil, 0, err
	}
	c, err := p.peek()
	if err != nil || (c != '+' && c != '-') {
		return v, k, err
	}
	opPos := p.pos
	p.pos++
	if c2, err := p.peek(); err != nil {
		return nil, 0, err
	} else if c2 == '+' || c2 == '-' {
		return nil, 0, p.malformed("the right operand of %c must be an imaginary number literal", c)
	}
	r, rk, err := p.parsePrimary(key)
	if err != nil {
		return nil, 0, err
	}
	im, isImag := r.(complex128)
	if (k != kindNum && k != kindSigned) || rk != kindNum || !isImag {
		return nil, 0, p.errAt(opPos, serial.ErrMalformed, "only a real number plus or minus an imaginary number is allowed")
	}
	var re float64
	switch x := v.(type) {
	case int64:
		re = float64(x)
	case *big.Int:
		var acc big.Accuracy
		re, acc = new(big.Float).SetInt(x).Float64()
		if math.IsInf(re, 0) && acc != big.Exact {
			return nil, 0, p.errAt(opPos, serial.ErrMalformed, "int too large to convert to float")
		}
	case float64:
		re = x
	default:
		return nil, 0, p.errAt(opPos, serial.ErrMalformed, "only a real number plus or minus an imaginary number is allowed")
	}
	// Python widens re to complex(re, 0.0) and adds part by part.
	if c == '+' {
		return complex(re+real(im), 0.0+imag(im)), kindBinOp, nil
	}
	return complex(re-real(im), 0.0-imag(im)), kindBinOp, nil
}

func (p *parser) parseUnary(key bool) (any, kind, error) {
	c, err := p.peek()
	if err != nil {
		return nil, 0, err
	}
	if c != '-' && c != '+' {
		return p.parsePrimary(key)
	}
	opPos := p.pos
	p.pos++
	if c2, err := p.peek(); err != nil {
		return nil, 0, err
	} else if c2 == '+' || c2 == '-' {
		return nil, 0, p.malformed("unary %c applies only to a number literal", c)
	}
	v, k, err := p.parsePrimary(key)
	if err != nil {
		return nil, 0, err
	}
	if k != kindNum {
		return nil, 0, p.errAt(opPos, serial.ErrMalformed, "unary %c applies only to a number literal", c)
	}
	if c == '+' {
		return v, kindSigned, nil
	}
	switch x := v.(type) {
	case int64:
		if x == math.MinInt64 {
			return new(big.Int).Neg(big.NewInt(x)), kindSigned, nil
		}
		return -x, kindSigned, nil
	case *big.Int:
		return value.NormalizeInt(new(big.Int).Neg(x)), kindSigned, nil
	case float64:
		return -x, kindSigned, nil
	case complex128:
		return complex(-real(x), -imag(x)), kindSigned, nil
	}
	return nil, 0, p.errAt(opPos, serial.ErrMalformed, "unary %c applies only to a number literal", c)
}

// parsePrimary parses a literal, a bracketed expression or set().
func (p *parser) parsePrimary(key bool) (any, kind, error) {
	d := p.data
	if err := p.skipSpace(); err != nil {
		return nil, 0, err
	}
	if p.pos >= len(d) {
		return nil, 0, p.unexpected("a value")
	}
	c := d[p.pos]
	switch {
	case c == '(':
		return p.parseParen(key)
	case c == '[':
		if key {
			return nil, 0, p.malformed("unhashable list as a dict key or set member")
		}
		v, err := p.parseList()
		return v, kindOther, err
	case c == '{':
		if key {
			return nil, 0, p.malformed("unhashable dict or set as a dict key or set member")
		}
		v, err := p.parseBrace()
		return v, kindOther, err
	case c == '\'' || c == '"':
		v, err := p.parseStrings()
		return v, kindOther, err
	case isDigit(c) || (c == '.' && p.pos+1 < len(d) && isDigit(d[p.pos+1])):
		v, err := p.parseNumber()
		return v, kindNum, err
	case c == '.' && bytes.HasPrefix(d[p.pos:], []byte("...")):
		return nil, 0, p.errAt(p.pos, serial.ErrUnsupported, "the Ellipsis has no value-model type")
	case isIdentStart(c):
		return p.parseName(key)
	}
	return nil, 0, p.unexpected("a value")
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) || c >= utf8.RuneSelf }

// parseName handles True, False, None, set() and string prefixes.
func (p *parser) parseName(key bool) (any, kind, error) {
	d := p.data
	start := p.pos
	end := start
	for end < len(d) && isIdentChar(d[end]) {
		end++
	}
	name := d[start:end]
	if end < len(d) && (d[end] == '\'' || d[end] == '"') && len(name) <= 2 {
		v, err := p.parseStrings()
		return v, kindOther, err
	}
	switch string(name) {
	case "True":
		p.pos = end
		return true, kindOther, nil
	case "False":
		p.pos = end
		return false, kindOther, nil
	case "None":
		p.pos = end
		return nil, kindOther, nil
	case "set":
		p.pos = end
		if err := p.enter(); err != nil {
			return nil, 0, err
		}
		if c, err := p.peek(); err != nil {
			return nil, 0, err
		} else if c != '(' {
			return nil, 0, p.malformed("name %q is not a literal", name)
		}
		p.pos++
		p.nest++
		if c, err := p.peek(); err != nil {
			return nil, 0, err
		} else if c != ')' {
			return nil, 0, p.malformed("set() takes no arguments in a literal")
		}
		p.pos++
		p.nest--
		p.depth--
		if key {
			return nil, 0, p.errAt(start, serial.ErrMalformed, "unhashable set as a dict key or set member")
		}
		return value.Set{}, kindOther, nil
	}
	if len(name) > 40 {
		name = name[:40]
	}
	return nil, 0, p.malformed("name %q is not a literal", name)
}

// parseParen parses "(...)": an empty tuple, a parenthesised expression
// (which keeps its kind) or a tuple.
func (p *parser) parseParen(key bool) (any, kind, error) {
	if err := p.enter(); err != nil {
		return nil, 0, err
	}
	p.pos++
	p.nest++
	c, err := p.peek()
	if err != nil {
		return nil, 0, err
	}
	if c == ')' {
		p.pos++
		p.nest--
		p.depth--
		return value.Tuple{}, kindOther, nil
	}
	first, k, err := p.parseExpr(key)
	if err != nil {
		return nil, 0, err
	}
	if c, err = p.peek(); err != nil {
		return nil, 0, err
	}
	if c == ')' {
		p.pos++
		p.nest--
		p.depth--
		return first, k, nil
	}
	if c != ',' {
		return nil, 0, p.unexpected("',' or ')'")
	}
	base := len(p.stack)
	p.stack = append(p.stack, first)
	if err := p.countItem(); err != nil {
		return nil, 0, err
	}
	if err := p.parseMembers(')', key); err != nil {
		return nil, 0, err
	}
	return value.Tuple(p.popSeq(base)), kindOther, nil
}

// parseMembers parses the rest of a bracketed sequence after its first
// member, (',' member)* [','] close, pushing the members on p.stack. It
// closes the bracket (nest and depth).
func (p *parser) parseMembers(close byte, key bool) error {
	for {
		c, err := p.peek()
		if err != nil {
			return err
		}
		if c == close {
			break
		}
		if c != ',' {
			return p.unexpected(fmt.Sprintf("',' or %q", close))
		}
		p.pos++
		if c, err = p.peek(); err != nil {
			return err
		}
		if c == close {
			break
		}
		v, _, err := p.parseExpr(key)
		if err != nil {
			return err
		}
		p.stack = append(p.stack, v)
		if err := p.countItem(); err != nil {
			return err
		}
	}
	p.pos++
	p.nest--
	p.depth--
	return nil
}

func (p *parser) parseList() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++
	p.nest++
	c, err := p.peek()
	if err != nil {
		return nil, err
	}
	base := len(p.stack)
	if c == ']' {
		p.pos++
		p.nest--
		p.depth--
		return []any{}, nil
	}
	v, _, err := p.parseExpr(false)
	if err != nil {
		return nil, err
	}
	p.stack = append(p.stack, v)
	if err := p.countItem(); err != nil {
		return nil, err
	}
	if err := p.parseMembers(']', false); err != nil {
		return nil, err
	}
	return p.popSeq(base), nil
}

// parseBrace parses a dict or a set literal.
func (p *parser) parseBrace() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++
	p.nest++
	c, err := p.peek()
	if err != nil {
		return nil, err
	}
	if c == '}' {
		p.pos++
		p.nest--
		p.depth--
		return &value.Dict{}, nil
	}
	if c == '*' {
		return nil, p.malformed("unpacking is not a literal")
	}
	first, _, err := p.parseExpr(true)
	if err != nil {
		return nil, err
	}
	if c, err = p.peek(); err != nil {
		return nil, err
	}
	if c != ':' {
		base := len(p.stack)
		p.stack = append(p.stack, first)
		if err := p.countItem(); err != nil {
			return nil, err
		}
		if err := p.parseMembers('}', true); err != nil {
			return nil, err
		}
		members := dedupMembers(p.stack[base:])
		out := make(value.Set, len(members))
		copy(out, members)
		clear(p.stack[base:])
		p.stack = p.stack[:base]
		return out, nil
	}
	return p.parseDictItems(first)
}

// parseDictItems parses the rest of a dict whose first key has been read;
// p.pos is at the colon after it.
func (p *parser) parseDictItems(key any) (any, error) {
	base := len(p.kv)
	for {
		p.pos++ // the colon
		v, _, err := p.parseExpr(false)
		if err != nil {
			return nil, err
		}
		p.kv = append(p.kv, value.Item{Key: key, Value: v})
		if err := p.countItem(); err != nil {
			return nil, err
		}
		c, err := p.peek()
		if err != nil {
			return nil, err
		}
		comma := c == ','
		if comma {
			p.pos++
			if c, err = p.peek(); err != nil {
				return nil, err
			}
		}
		if c == '}' {
			break
		}
		if !comma {
			return nil, p.unexpected("',' or '}'")
		}
		if c == '*' {
			return nil, p.malformed("unpacking is not a literal")
		}
		if key, _, err = p.parseExpr(true); err != nil {
			return nil, err
		}
		if c, err = p.peek(); err != nil {
			return nil, err
		}
		if c != ':' {
			return nil, p.unexpected("':'")
		}
	}
	p.pos++
	p.nest--
	p.depth--
	items := dedupItems(p.kv[base:])
	d := &value.Dict{Items: make([]value.Item, len(items))}
	copy(d.Items, items)
	clear(p.kv[base:])
	p.kv = p.kv[:base]
	if f, ok := nanDict(d); ok {
		return f, nil
	}
	return d, nil
}

// nanDict recognises serpent's encoding of a float NaN,
// {'__class__':'float','value':'nan'}, which Pyro4 turns back into a float
// when it receives it.
func nanDict(d *value.Dict) (float64, bool) {
	if len(d.Items) != 2 {
		return 0, false
	}
	cls, _ := d.GetString("__class__")
	val, _ := d.GetString("value")
	if cls != "float" {
		return 0, false
	}
	s, ok := val.(string)
	if !ok {
		return 0, false
	}
	s = strings.TrimLeft(s, "+-")
	if !strings.EqualFold(s, "nan") {
		return 0, false
	}
	return math.NaN(), true
}

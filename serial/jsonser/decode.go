package jsonser

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

const (
	// hardMaxDepth caps Limits.MaxDepth so that no limit lets hostile input
	// exhaust the goroutine stack.
	hardMaxDepth = 10000
	// maxIntDigits is CPython 3.11's limit on int/str conversions
	// (sys.int_info.default_max_str_digits): json.loads refuses longer ints
	// and json.dumps cannot write them.
	maxIntDigits = 4300
	// maxNumberLen bounds any number literal.
	maxNumberLen = 4400
	// smallDict is the size up to which duplicate keys are found by a linear
	// scan instead of an index.
	smallDict = 8
)

type decoder struct {
	data     []byte
	pos      int
	lim      serial.Limits
	maxDepth int
	depth    int
	items    int
	bytes    int
}

func newDecoder(data []byte, lim serial.Limits) decoder {
	lim = lim.WithDefaults()
	md := lim.MaxDepth
	if md > hardMaxDepth {
		md = hardMaxDepth
	}
	return decoder{data: data, lim: lim, maxDepth: md}
}

func (d *decoder) syntax(msg string) error {
	return errorf(serial.ErrMalformed, "at offset %d: %s", d.pos, msg)
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) chargeItem() error {
	if d.items >= d.lim.MaxItems {
		return errorf(serial.ErrLimit, "more than %d items", d.lim.MaxItems)
	}
	d.items++
	return nil
}

func (d *decoder) chargeBytes(n int) error {
	if n > d.lim.MaxBytes-d.bytes {
		return errorf(serial.ErrLimit, "more than %d bytes of strings", d.lim.MaxBytes)
	}
	d.bytes += n
	return nil
}

// literal consumes word if the input continues with it.
func (d *decoder) literal(word string) bool {
	if bytes.HasPrefix(d.data[d.pos:], []byte(word)) {
		d.pos += len(word)
		return true
	}
	return false
}

var (
	posInf = math.Inf(1)
	negInf = math.Inf(-1)
	nan    = math.NaN()
)

// value decodes one value after optional whitespace.
func (d *decoder) value() (any, error) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return nil, d.syntax("expecting value")
	}
	switch c := d.data[d.pos]; c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return s, nil
	case 'n':
		if d.literal("null") {
			return nil, nil
		}
	case 't':
		if d.literal("true") {
			return true, nil
		}
	case 'f':
		if d.literal("false") {
			return false, nil
		}
	case 'N':
		if d.literal("NaN") {
			return nan, nil
		}
	case 'I':
		if d.literal("Infinity") {
			return posInf, nil
		}
	case '-':
		if d.literal("-Infinity") {
			return negInf, nil
		}
		return d.number()
	default:
		if c >= '0' && c <= '9' {
			return d.number()
		}
	}
	return nil, d.syntax("expecting value")
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number decodes -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? greedily,
// as Python's scanner does: a '.' or 'e' not followed by digits is left for
// the caller, which then reports extra data.
func (d *decoder) number() (any, error) {
	start := d.pos
	p := d.pos
	if d.data[p] == '-' {
		p++
	}
	switch {
	case p < len(d.data) && d.data[p] == '0':
		p++
	case p < len(d.data) && isDigit(d.data[p]):
		for p < len(d.data) && isDigit(d.data[p]) {
			p++
		}
	default:
		return nil, d.syntax("expecting value")
	}
	isFloat := false
	if p+1 < len(d.data) && d.data[p] == '.' && isDigit(d.data[p+1]) {
		p += 2
		for p < len(d.data) && isDigit(d.data[p]) {
			p++
		}
		isFloat = true
	}
	if p < len(d.data) && (d.data[p] == 'e' || d.data[p] == 'E') {
		q := p + 1
		if q < len(d.data) && (d.data[q] == '+' || d.data[q] == '-') {
			q++
		}
		if q < len(d.data) && isDigit(d.data[q]) {
			for q < len(d.data) && isDigit(d.data[q]) {
				q++
			}
			p = q
			isFloat = true
		}
	}
	lit := d.data[start:p]
	if len(lit) > maxNumberLen {
		return nil, errorf(serial.ErrLimit, "at offset %d: number literal of %d bytes", start, len(lit))
	}
	d.pos = p
	if isFloat {
		f, err := strconv.ParseFloat(string(lit), 64)
		if err != nil && !isRangeErr(err) {
			return nil, errorf(serial.ErrMalformed, "at offset %d: bad number %q", start, lit)
		}
		return f, nil
	}
	neg := lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	if len(digits) > maxIntDigits {
		return nil, errorf(serial.ErrLimit, "at offset %d: int of %d digits (Python's limit is %d)", start, len(digits), maxIntDigits)
	}
	if len(digits) <= 18 {
		var n int64
		for _, c := range digits {
			n = n*10 + int64(c-'0')
		}
		if neg {
			n = -n
		}
		return n, nil
	}
	z, ok := new(big.Int).SetString(string(lit), 10)
	if !ok {
		return nil, errorf(serial.ErrMalformed, "at offset %d: bad number %q", start, lit)
	}
	return value.NormalizeInt(z), nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// str decodes a string; d.pos is at the opening quote.
func (d *decoder) str() (string, error) {
	d.pos++
	start := d.pos
	ascii := true
	for p := start; p < len(d.data); p++ {
		c := d.data[p]
		switch {
		case c == '"':
			raw := d.data[start:p]
			if !ascii && !utf8.Valid(raw) {
				return "", errorf(serial.ErrMalformed, "at offset %d: string is not valid UTF-8", start)
			}
			if err := d.chargeBytes(len(raw)); err != nil {
				return "", err
			}
			d.pos = p + 1
			return string(raw), nil
		case c == '\\' || c < 0x20:
			d.pos = p
			return d.slowStr(start)
		case c >= 0x80:
			ascii = false
		}
	}
	d.pos = start - 1
	return "", d.syntax("unterminated string")
}

// slowStr finishes a string that holds escapes; d.pos is at the first
// escape or control character. It first finds the closing quote, so that
// the output (never longer than the raw text) is allocated once.
func (d *decoder) slowStr(start int) (string, error) {
	end := d.pos
	for ; ; end++ {
		if end >= len(d.data) {
			d.pos = start - 1
			return "", d.syntax("unterminated string")
		}
		c := d.data[end]
		if c == '"' {
			break
		}
		if c < 0x20 {
			d.pos = end
			return "", d.syntax("invalid control character in string")
		}
		if c == '\\' {
			end++
		}
	}
	if !utf8.Valid(d.data[start:end]) {
		return "", errorf(serial.ErrMalformed, "at offset %d: string is not valid UTF-8", start)
	}
	var sb strings.Builder
	sb.Grow(end - start)
	sb.Write(d.data[start:d.pos])
	for d.pos < end {
		if c := d.data[d.pos]; c != '\\' {
			run := d.pos
			for d.pos < end && d.data[d.pos] != '\\' {
				d.pos++
			}
			sb.Write(d.data[run:d.pos])
			continue
		}
		esc := d.data[d.pos+1] // end is past every escape's second byte
		d.pos += 2
		switch esc {
		case '"', '\\', '/':
			sb.WriteByte(esc)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, err := d.unicodeEscape()
			if err != nil {
				return "", err
			}
			sb.WriteRune(r)
		default:
			d.pos -= 2
			return "", d.syntax("invalid \\escape")
		}
	}
	d.pos = end + 1
	if err := d.chargeBytes(sb.Len()); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// unicodeEscape decodes the XXXX of \uXXXX (d.pos is after the 'u'),
// joining a surrogate pair. Lone surrogates are refused.
func (d *decoder) unicodeEscape() (rune, error) {
	r, ok := hex4(d.data[d.pos:])
	if !ok {
		d.pos -= 2
		return 0, d.syntax("invalid \\uXXXX escape")
	}
	d.pos += 4
	if !utf16.IsSurrogate(r) {
		return r, nil
	}
	if r < 0xdc00 && bytes.HasPrefix(d.data[d.pos:], []byte(`\u`)) {
		if r2, ok := hex4(d.data[d.pos+2:]); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
			d.pos += 6
			return utf16.DecodeRune(r, r2), nil
		}
	}
	d.pos -= 6
	return 0, d.syntax("lone surrogate escape (cannot be represented in UTF-8)")
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (d *decoder) enter() error {
	if d.depth >= d.maxDepth {
		return errorf(serial.ErrLimit, "at offset %d: nesting deeper than %d", d.pos, d.maxDepth)
	}
	d.depth++
	return nil
}

// array decodes [v, ...]; d.pos is at '['.
func (d *decoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++
	var out []any
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return []any{}, nil
	}
	for {
		if err := d.chargeItem(); err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = make([]any, 0, 4)
		}
		out = append(out, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.syntax("expecting ',' delimiter")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return out, nil
		default:
			return nil, d.syntax("expecting ',' delimiter")
		}
	}
}

// object decodes {"k": v, ...}; d.pos is at '{'.
func (d *decoder) object() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++
	out := &value.Dict{}
	var index map[string]int
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return out, nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.syntax("expecting property name enclosed in double quotes")
		}
		if err := d.chargeItem(); err != nil {
			return nil, err
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.syntax("expecting ':' delimiter")
		}
		d.pos++
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		index = setKey(out, index, k, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.syntax("expecting ',' delimiter")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return out, nil
		default:
			return nil, d.syntax("expecting ',' delimiter")
		}
	}
}

// setKey stores k: v with Python dict semantics (a repeated key keeps its
// first position and takes the new value). Small dicts are scanned; larger
// ones get an index, returned for the next call.
func setKey(d *value.Dict, index map[string]int, k string, v any) map[string]int {
	if index == nil && len(d.Items) < smallDict {
		for i := range d.Items {
			if d.Items[i].Key.(string) == k {
				d.Items[i].Value = v
				return nil
			}
		}
		if d.Items == nil {
			d.Items = make([]value.Item, 0, 4)
		}
		d.Items = append(d.Items, value.Item{Key: k, Value: v})
		return nil
	}
	if index == nil {
		index = make(map[string]int, 2*len(d.Items))
		for i := range d.Items {
			index[d.Items[i].Key.(string)] = i
		}
	}
	if i, ok := index[k]; ok {
		d.Items[i].Value = v
		return index
	}
	index[k] = len(d.Items)
	d.Items = append(d.Items, value.Item{Key: k, Value: v})
	return index
}

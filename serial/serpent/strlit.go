package serpent

import (
	"bytes"
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
)

// stringStartAt reports whether a string literal (with an optional prefix
// of up to two letters) starts at i.
func (p *parser) stringStartAt(i int) bool {
	d := p.data
	for n := 0; n <= 2 && i < len(d); n, i = n+1, i+1 {
		switch d[i] {
		case '\'', '"':
			return true
		case 'r', 'R', 'u', 'U', 'b', 'B', 'f', 'F':
		default:
			return false
		}
	}
	return false
}

// parseStrings parses adjacent string literals, which Python concatenates,
// and returns a string, or a []byte for bytes literals.
func (p *parser) parseStrings() (any, error) {
	piece, isBytes, err := p.parseStringLit()
	if err != nil {
		return nil, err
	}
	var acc []byte // set once a second literal follows
	for {
		if err := p.skipSpace(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.data) || !p.stringStartAt(p.pos) {
			break
		}
		at := p.pos
		if acc == nil {
			acc = append(make([]byte, 0, 2*len(piece)), piece...)
		}
		next, nextBytes, err := p.parseStringLit()
		if err != nil {
			return nil, err
		}
		if nextBytes != isBytes {
			return nil, p.errAt(at, serial.ErrMalformed, "cannot mix bytes and str literals")
		}
		acc = append(acc, next...)
	}
	if acc != nil {
		piece = acc
	}
	if isBytes {
		if acc != nil {
			return acc, nil
		}
		return bytes.Clone(piece), nil
	}
	if acc != nil {
		return string(piece), nil
	}
	return intern(piece), nil
}

// parseStringLit parses one string literal at p.pos and returns its
// decoded content, which aliases p.data or p.buf until the next call.
func (p *parser) parseStringLit() (piece []byte, isBytes bool, err error) {
	d := p.data
	start := p.pos
	i := start
	raw, isU, isF := false, false, false
	for ; i < len(d) && d[i] != '\'' && d[i] != '"'; i++ {
		switch d[i] | 0x20 {
		case 'r':
			if raw {
				return nil, false, p.malformed("invalid string prefix")
			}
			raw = true
		case 'b':
			if isBytes {
				return nil, false, p.malformed("invalid string prefix")
			}
			isBytes = true
		case 'u':
			isU = true
		case 'f':
			if isF {
				return nil, false, p.malformed("invalid string prefix")
			}
			isF = true
		default:
			return nil, false, p.malformed("invalid string prefix")
		}
	}
	if i-start > 2 || (isU && i-start > 1) || (isBytes && isF) || i >= len(d) {
		return nil, false, p.malformed("invalid string prefix")
	}
	if isF {
		return nil, false, p.malformed("f-strings are not literals")
	}
	q := d[i]
	triple := i+2 < len(d) && d[i+1] == q && d[i+2] == q
	body := i + 1
	if triple {
		body = i + 3
	}
	// Fast path: no escapes, no carriage returns, ASCII for bytes.
	end, next := -1, -1
	for j := body; j < len(d); {
		k := bytes.IndexByte(d[j:], q)
		if k < 0 {
			break
		}
		k += j
		if !triple {
			end, next = k, k+1
			break
		}
		if k+2 < len(d) && d[k+1] == q && d[k+2] == q {
			end, next = k, k+3
			break
		}
		j = k + 1
	}
	if end >= 0 {
		seg := d[body:end]
		simple := bytes.IndexByte(seg, '\\') < 0 && bytes.IndexByte(seg, '\r') < 0 &&
			(triple || bytes.IndexByte(seg, '\n') < 0)
		if simple && isBytes {
			for _, c := range seg {
				if c >= utf8.RuneSelf {
					simple = false
					break
				}
			}
		}
		if simple {
			if err := p.countBytes(start, len(seg)); err != nil {
				return nil, false, err
			}
			p.pos = next
			return seg, isBytes, nil
		}
	}
	p.pos = body
	piece, err = p.decodeBody(q, triple, raw, isBytes)
	if err != nil {
		return nil, false, err
	}
	if err := p.countBytes(start, len(piece)); err != nil {
		return nil, false, err
	}
	return piece, isBytes, nil
}

// decodeBody decodes a string body starting at p.pos into p.buf, applying
// escapes (unless raw) and Python's newline translation (\r\n and \r read
// as \n), and leaves p.pos after the closing quote.
func (p *parser) decodeBody(q byte, triple, raw, isBytes bool) ([]byte, error) {
	d := p.data
	b := p.buf[:0]
	defer func() { p.buf = b[:0] }()
	i := p.pos
	for i < len(d) {
		c := d[i]
		switch {
		case c == q:
			if !triple {
				p.pos = i + 1
				return b, nil
			}
			if i+2 < len(d) && d[i+1] == q && d[i+2] == q {
				p.pos = i + 3
				return b, nil
			}
			b = append(b, c)
			i++
		case c == '\n' || c == '\r':
			if !triple {
				p.pos = i
				return nil, p.malformed("unterminated string literal")
			}
			i = skipEOL(d, i)
			b = append(b, '\n')
		case c == '\\':
			if i+1 >= len(d) {
				p.pos = i
				return nil, p.malformed("unterminated string literal")
			}
			e := d[i+1]
			if raw {
				// The backslash stays, and it keeps the next character
				// (a quote or a newline) from ending the literal.
				b = append(b, '\\')
				if e == '\n' || e == '\r' {
					i = skipEOL(d, i+1)
					b = append(b, '\n')
					continue
				}
				if isBytes && e >= utf8.RuneSelf {
					p.pos = i + 1
					return nil, p.malformed("bytes can only contain ASCII literal characters")
				}
				b = append(b, e)
				i += 2
				continue
			}
			var err error
			if b, i, err = p.escape(b, i, isBytes); err != nil {
				return nil, err
			}
		case isBytes && c >= utf8.RuneSelf:
			p.pos = i
			return nil, p.malformed("bytes can only contain ASCII literal characters")
		default:
			b = append(b, c)
			i++
		}
	}
	p.pos = i
	return nil, p.malformed("unterminated string literal")
}

// skipEOL returns the index after the line ending at i (\n, \r or \r\n).
func skipEOL(d []byte, i int) int {
	if d[i] == '\r' && i+1 < len(d) && d[i+1] == '\n' {
		return i + 2
	}
	return i + 1
}

// escape decodes the escape sequence whose backslash is at d[i] and
// returns the new buffer and the index after the sequence.
func (p *parser) escape(b []byte, i int, isBytes bool) ([]byte, int, error) {
	d := p.data
	e := d[i+1]
	switch e {
	case '\n', '\r':
		return b, skipEOL(d, i+1), nil
	case '\\', '\'', '"':
		return append(b, e), i + 2, nil
	case 'a':
		return append(b, 7), i + 2, nil
	case 'b':
		return append(b, 8), i + 2, nil
	case 'f':
		return append(b, 12), i + 2, nil
	case 'n':
		return append(b, '\n'), i + 2, nil
	case 'r':
		return append(b, '\r'), i + 2, nil
	case 't':
		return append(b, '\t'), i + 2, nil
	case 'v':
		return append(b, 11), i + 2, nil
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v, j := 0, i+1
		for ; j < len(d) && j < i+4 && d[j] >= '0' && d[j] <= '7'; j++ {
			v = v*8 + int(d[j]-'0')
		}
		if isBytes {
			return append(b, byte(v)), j, nil // Python keeps the low 8 bits
		}
		return utf8.AppendRune(b, rune(v)), j, nil
	case 'x':
		v, ok := hexValue(d, i+2, 2)
		if !ok {
			p.pos = i
			return nil, 0, p.malformed(`truncated \xXX escape`)
		}
		if isBytes {
			return append(b, byte(v)), i + 4, nil
		}
		return utf8.AppendRune(b, rune(v)), i + 4, nil
	case 'u', 'U':
		if isBytes {
			break
		}
		n := 4
		if e == 'U' {
			n = 8
		}
		v, ok := hexValue(d, i+2, n)
		p.pos = i
		switch {
		case !ok:
			return nil, 0, p.malformed(`truncated \%c escape`, e)
		case v > utf8.MaxRune:
			return nil, 0, p.malformed(`\%c escape beyond U+10FFFF`, e)
		case v >= 0xd800 && v <= 0xdfff:
			return nil, 0, p.errAt(i, serial.ErrUnsupported, "surrogate code point U+%04X has no UTF-8 form", v)
		}
		return utf8.AppendRune(b, rune(v)), i + 2 + n, nil
	case 'N':
		if isBytes {
			break
		}
		return nil, 0, p.errAt(i, serial.ErrUnsupported, `\N{name} escapes are not supported`)
	}
	// Not an escape: Python keeps the backslash; the next character is
	// read normally.
	return append(b, '\\'), i + 1, nil
}

// hexValue parses exactly n hex digits at d[i:].
func hexValue(d []byte, i, n int) (uint32, bool) {
	if i+n > len(d) {
		return 0, false
	}
	var v uint32
	for _, c := range d[i : i+n] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(c)
	}
	return v, true
}

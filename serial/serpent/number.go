package serpent

import (
	"errors"
	"math/big"
	"strconv"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// scanDigits scans digits of the given base with single underscores
// between them, starting at i, which must hold a digit unless
// leadingUnderscore allows "_" first (after 0x, 0o, 0b). It returns the
// end index, the number of digits, whether there were underscores and
// whether the syntax was valid.
func scanDigits(d []byte, i int, base int, leadingUnderscore bool) (end, digits int, under, ok bool) {
	expectDigit := true
	if leadingUnderscore && i < len(d) && d[i] == '_' {
		i++
		under = true
	}
	for ; i < len(d); i++ {
		c := d[i]
		if c == '_' {
			if expectDigit {
				return i, digits, under, false
			}
			expectDigit, under = true, true
			continue
		}
		if digitValue(c) >= base {
			break
		}
		digits++
		expectDigit = false
	}
	return i, digits, under, digits > 0 && !expectDigit
}

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// parseNumber parses an int, float or imaginary literal at p.pos and
// returns int64, *big.Int, float64 or complex128.
func (p *parser) parseNumber() (any, error) {
	d := p.data
	start := p.pos
	if d[start] == '0' && start+1 < len(d) {
		base := 0
		switch d[start+1] | 0x20 {
		case 'x':
			base = 16
		case 'o':
			base = 8
		case 'b':
			base = 2
		}
		if base != 0 {
			end, digits, under, ok := scanDigits(d, start+2, base, true)
			if !ok || (end < len(d) && isIdentChar(d[end])) {
				if end < len(d) && digitValue(d[end]) < 10 {
					p.pos = end
					return nil, p.malformed("invalid digit %q in base %d literal", d[end], base)
				}
				return nil, p.malformed("invalid base %d literal", base)
			}
			return p.makeInt(start, start+2, end, digits, under, base)
		}
	}
	i := start
	intEnd, intDigits, under, ok := i, 0, false, true
	if d[i] != '.' {
		intEnd, intDigits, under, ok = scanDigits(d, i, 10, false)
		if !ok {
			p.pos = intEnd
			return nil, p.malformed("invalid decimal literal")
		}
	}
	i = intEnd
	isFloat := false
	if i < len(d) && d[i] == '.' {
		isFloat = true
		i++
		if i < len(d) && isDigit(d[i]) {
			end, _, u, ok := scanDigits(d, i, 10, false)
			if !ok {
				p.pos = end
				return nil, p.malformed("invalid decimal literal")
			}
			i, under = end, under || u
		} else if intDigits == 0 {
			return nil, p.malformed("invalid decimal literal")
		}
	}
	if i < len(d) && d[i]|0x20 == 'e' {
		j := i + 1
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		if j >= len(d) || !isDigit(d[j]) {
			p.pos = i
			return nil, p.malformed("invalid decimal literal")
		}
		end, _, u, ok := scanDigits(d, j, 10, false)
		if !ok {
			p.pos = end
			return nil, p.malformed("invalid decimal literal")
		}
		isFloat, i, under = true, end, under || u
	}
	imag := false
	if i < len(d) && d[i]|0x20 == 'j' {
		imag = true
		i++
	}
	if i < len(d) && isIdentChar(d[i]) {
		p.pos = i
		return nil, p.malformed("invalid decimal literal")
	}
	if !isFloat && !imag {
		// Decimal int: no leading zeros unless the value is zero.
		if d[start] == '0' {
			for _, c := range d[start:intEnd] {
				if c != '0' && c != '_' {
					return nil, p.malformed("leading zeros in a decimal int literal")
				}
			}
		}
		return p.makeInt(start, start, intEnd, intDigits, under, 10)
	}
	numEnd := i
	if imag {
		numEnd--
	}
	text := d[start:numEnd]
	if under {
		text = appendNoUnderscore(p.buf[:0], text)
		p.buf = text[:0]
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, p.malformed("invalid float literal")
	}
	p.pos = i
	if imag {
		return complex(0, f), nil
	}
	return f, nil
}

func appendNoUnderscore(dst, s []byte) []byte {
	for _, c := range s {
		if c != '_' {
			dst = append(dst, c)
		}
	}
	return dst
}

// makeInt converts the digits d[from:end] (with optional underscores) in
// base to an int64 or *big.Int; start is where the literal begins.
func (p *parser) makeInt(start, from, end, digits int, under bool, base int) (any, error) {
	if digits > maxIntDigits {
		return nil, p.errAt(start, serial.ErrLimit, "int literal of %d digits exceeds %d", digits, maxIntDigits)
	}
	p.pos = end
	text := p.data[from:end]
	// Up to 18 decimal digits, 15 hex, 21 octal or 62 binary digits fit in
	// int64 without overflow checks.
	small := digits <= 18 && base == 10 || digits <= 15 && base == 16 ||
		digits <= 21 && base == 8 || digits <= 62 && base == 2
	if small {
		var v int64
		for _, c := range text {
			if c != '_' {
				v = v*int64(base) + int64(digitValue(c))
			}
		}
		return v, nil
	}
	if under {
		text = appendNoUnderscore(p.buf[:0], text)
		p.buf = text[:0]
	}
	b, ok := new(big.Int).SetString(string(text), base)
	if !ok {
		return nil, p.errAt(start, serial.ErrMalformed, "invalid int literal")
	}
	return value.NormalizeInt(b), nil
}

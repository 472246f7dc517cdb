package serpent

import (
	"unicode"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendStr appends Python's repr() of s: single quotes unless s contains
// a single quote and no double quote; backslash, the chosen quote, \t \n \r
// escaped; other non-printable characters as \xNN, \uNNNN or \UNNNNNNNN;
// printable characters written as they are (UTF-8).
func appendStr(dst []byte, s string) ([]byte, error) {
	hasSingle, hasDouble, plain := false, false, true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			hasSingle = true
		case c == '"':
			hasDouble = true
		case c < 0x20 || c >= 0x7f || c == '\\':
			plain = false
		}
	}
	quote := byte('\'')
	if hasSingle && !hasDouble {
		quote = '"'
	}
	dst = append(dst, quote)
	if plain && !(hasSingle && quote == '\'') {
		dst = append(dst, s...)
		return append(dst, quote), nil
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == quote || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return dst, unsupported("string is not valid UTF-8 (byte 0x%02x at offset %d)", c, i)
		}
		switch {
		case isPrintable(r):
			dst = append(dst, s[i:i+size]...)
		case r <= 0xff:
			dst = append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
		case r <= 0xffff:
			dst = append(dst, '\\', 'u')
			dst = appendHex(dst, uint32(r), 4)
		default:
			dst = append(dst, '\\', 'U')
			dst = appendHex(dst, uint32(r), 8)
		}
		i += size
	}
	return append(dst, quote), nil
}

func appendHex(dst []byte, v uint32, n int) []byte {
	for shift := 4 * (n - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[(v>>uint(shift))&0xf])
	}
	return dst
}

// isPrintable reports whether CPython 3.11 (Unicode 14.0) considers the
// non-ASCII rune r printable: str.isprintable() is false for the categories
// Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs, which is the complement of Go's
// unicode.IsPrint apart from the Unicode version. Go's tables are newer, so
// characters assigned after Unicode 14.0 are excluded to match the Python
// peer byte for byte. TestPrintableMatchesPython checks every code point.
func isPrintable(r rune) bool {
	if !unicode.IsPrint(r) {
		return false
	}
	if r < newerThanPython[0][0] {
		return true
	}
	lo, hi := 0, len(newerThanPython)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch {
		case r < newerThanPython[m][0]:
			hi = m
		case r > newerThanPython[m][1]:
			lo = m + 1
		default:
			return false
		}
	}
	return true
}

// newerThanPython lists, as inclusive ranges, the code points that Go's
// unicode tables (Unicode 15.0) call printable but CPython 3.11's
// (Unicode 14.0) do not, because they were assigned in Unicode 15.0.
var newerThanPython = [...][2]rune{
	{0x0CF3, 0x0CF3},
	{0x0ECE, 0x0ECE},
	{0x10EFD, 0x10EFF},
	{0x1123F, 0x11241},
	{0x11B00, 0x11B09},
	{0x11F00, 0x11F10},
	{0x11F12, 0x11F3A},
	{0x11F3E, 0x11F59},
	{0x1342F, 0x1342F},
	{0x13440, 0x13455},
	{0x1B132, 0x1B132},
	{0x1B155, 0x1B155},
	{0x1D2C0, 0x1D2D3},
	{0x1DF25, 0x1DF2A},
	{0x1E030, 0x1E06D},
	{0x1E08F, 0x1E08F},
	{0x1E4D0, 0x1E4F9},
	{0x1F6DC, 0x1F6DC},
	{0x1F774, 0x1F776},
	{0x1F77B, 0x1F77F},
	{0x1F7D9, 0x1F7D9},
	{0x1FA75, 0x1FA77},
	{0x1FA87, 0x1FA88},
	{0x1FAAD, 0x1FAAF},
	{0x1FABB, 0x1FABD},
	{0x1FABF, 0x1FABF},
	{0x1FACE, 0x1FACF},
	{0x1FADA, 0x1FADB},
	{0x1FAE8, 0x1FAE8},
	{0x1FAF7, 0x1FAF8},
	{0x2B739, 0x2B739},
	{0x31350, 0x323AF},
}

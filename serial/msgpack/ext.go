package msgpack

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/flintrpc/flint/value"
)

// Ext type codes Pyro4 defines, and msgpack's own timestamp.
const (
	extComplex   int8 = 0x30
	extBigInt    int8 = 0x31
	extDatetime  int8 = 0x32
	extDate      int8 = 0x33
	extTimestamp int8 = -1
)

// maxIntDigits is CPython's default int_max_str_digits: Python refuses to
// convert longer decimal strings, so neither side can send them.
const maxIntDigits = 4300

// Python's datetime range, in proleptic Gregorian ordinals.
const (
	minOrdinal   = 1       // date(1, 1, 1)
	maxOrdinal   = 3652059 // date(9999, 12, 31)
	unixOrdinal  = 719163  // date(1970, 1, 1)
	secondsADay  = 86400
	maxTimestamp = 1e12 // well beyond year 9999; keeps float→int exact
)

// ext decodes an ext value whose data is n bytes long (the type byte comes
// first).
func (d *decoder) ext(n int) (any, error) {
	t, err := d.take(1)
	if err != nil {
		return nil, err
	}
	code := int8(t[0])
	start := d.pos
	data, err := d.payload(n)
	if err != nil {
		return nil, err
	}
	v, err := decodeExt(code, data)
	if err != nil {
		d.pos = start
		return nil, d.malformed(fmt.Sprintf("ext %d: %v", code, err))
	}
	return v, nil
}

func decodeExt(code int8, data []byte) (any, error) {
	switch code {
	case extComplex:
		if len(data) != 16 {
			return nil, fmt.Errorf("complex needs 16 bytes, got %d", len(data))
		}
		re := math.Float64frombits(binary.LittleEndian.Uint64(data))
		im := math.Float64frombits(binary.LittleEndian.Uint64(data[8:]))
		return complex(re, im), nil
	case extBigInt:
		return parseInt(data)
	case extDatetime:
		if len(data) != 8 {
			return nil, fmt.Errorf("datetime needs 8 bytes, got %d", len(data))
		}
		return fromTimestamp(math.Float64frombits(binary.LittleEndian.Uint64(data)))
	case extDate:
		if len(data) != 8 {
			return nil, fmt.Errorf("date needs 8 bytes, got %d", len(data))
		}
		return fromOrdinal(int64(binary.LittleEndian.Uint64(data)))
	case extTimestamp:
		return decodeTimestamp(data)
	}
	return value.Ext{Code: code, Data: data}, nil
}

// parseInt reads an optionally signed decimal integer, as Python's int()
// reads the ASCII text Pyro4 writes.
func parseInt(data []byte) (any, error) {
	digits := data
	if len(digits) > 0 && (digits[0] == '-' || digits[0] == '+') {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return nil, fmt.Errorf("int has no digits")
	}
	if len(digits) > maxIntDigits {
		return nil, fmt.Errorf("int has %d digits, more than %d", len(digits), maxIntDigits)
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("int text holds byte 0x%02x", c)
		}
	}
	b, ok := new(big.Int).SetString(string(data), 10)
	if !ok {
		return nil, fmt.Errorf("int text does not parse")
	}
	return value.NormalizeInt(b), nil
}

// fromTimestamp turns a POSIX timestamp into a local time the way Python's
// datetime.fromtimestamp does: microsecond resolution, rounded half to
// even, within years 1 to 9999.
func fromTimestamp(ts float64) (time.Time, error) {
	if math.IsNaN(ts) || math.IsInf(ts, 0) || math.Abs(ts) > maxTimestamp {
		return time.Time{}, fmt.Errorf("timestamp %v out of range", ts)
	}
	sec, frac := math.Modf(ts)
	us := math.RoundToEven(frac * 1e6)
	if us >= 1e6 {
		us -= 1e6
		sec++
	} else if us < 0 {
		us += 1e6
		sec--
	}
	t := time.Unix(int64(sec), int64(us)*1000).In(time.Local)
	if !inDatetimeRange(t) {
		return time.Time{}, fmt.Errorf("timestamp %v is outside years 1..9999", ts)
	}
	return t, nil
}

// inDatetimeRange reports whether t, in its own zone, is within Python's
// datetime range.
func inDatetimeRange(t time.Time) bool {
	y := t.Year()
	return y >= 1 && y <= 9999
}

// timestamp returns the float64 POSIX time Python's datetime.timestamp()
// gives for t.
func timestamp(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

func fromOrdinal(o int64) (value.Date, error) {
	if o < minOrdinal || o > maxOrdinal {
		return value.Date{}, fmt.Errorf("date ordinal %d outside 1..%d", o, maxOrdinal)
	}
	t := time.Unix((o-unixOrdinal)*secondsADay, 0).UTC()
	return value.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

// ordinal returns the proleptic Gregorian ordinal of a valid date.
func ordinal(d value.Date) (int64, error) {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	if d.Year < 1 || d.Year > 9999 || t.Year() != d.Year || t.Month() != d.Month || t.Day() != d.Day {
		return 0, fmt.Errorf("invalid date %04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	return t.Unix()/secondsADay + unixOrdinal, nil
}

// decodeTimestamp reads msgpack's timestamp extension (type -1) in its 32,
// 64 and 96 bit forms.
func decodeTimestamp(data []byte) (time.Time, error) {
	var sec int64
	var nsec uint32
	switch len(data) {
	case 4:
		sec = int64(binary.BigEndian.Uint32(data))
	case 8:
		v := binary.BigEndian.Uint64(data)
		nsec = uint32(v >> 34)
		sec = int64(v & (1<<34 - 1))
	case 12:
		nsec = binary.BigEndian.Uint32(data)
		sec = int64(binary.BigEndian.Uint64(data[4:]))
	default:
		return time.Time{}, fmt.Errorf("timestamp needs 4, 8 or 12 bytes, got %d", len(data))
	}
	if nsec > 999999999 {
		return time.Time{}, fmt.Errorf("timestamp nanoseconds %d out of range", nsec)
	}
	t := time.Unix(sec, int64(nsec)).UTC()
	if !inDatetimeRange(t.In(time.Local)) {
		return time.Time{}, fmt.Errorf("timestamp %d is outside years 1..9999", sec)
	}
	return t, nil
}

package marshal

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"unicode/utf8"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// Type codes of the marshal format (CPython Python/marshal.c).
const (
	flagRef = 0x80

	typeNull          = '0'
	typeNone          = 'N'
	typeFalse         = 'F'
	typeTrue          = 'T'
	typeStopIter      = 'S'
	typeEllipsis      = '.'
	typeInt           = 'i'
	typeInt64         = 'I'
	typeFloat         = 'f'
	typeBinaryFloat   = 'g'
	typeComplex       = 'x'
	typeBinaryComplex = 'y'
	typeLong          = 'l'
	typeString        = 's'
	typeInterned      = 't'
	typeRef           = 'r'
	typeTuple         = '('
	typeList          = '['
	typeDict          = '{'
	typeCode          = 'c'
	typeUnicode       = 'u'
	typeSet           = '<'
	typeFrozenSet     = '>'
	typeASCII         = 'a'
	typeASCIIInterned = 'A'
	typeSmallTuple    = ')'
	typeShortASCII    = 'z'
	typeShortASCIIInt = 'Z'
)

// hardMaxDepth caps Limits.MaxDepth so that a careless limit cannot let
// hostile input exhaust the goroutine stack.
const hardMaxDepth = 10000

// nullType is the decoded form of TYPE_NULL ('0'), which only ends a dict.
type nullType struct{}

var null any = nullType{}

// refEntry is one slot of the reference table.
type refEntry struct {
	v        any
	pending  bool // container still being decoded
	hashable bool
	items    int // container items inside v, refs expanded
	bytes    int // string/bytes/int bytes inside v, refs expanded
	height   int // container nesting inside v (0 for scalars)
}

type decoder struct {
	data     []byte
	pos      int
	lim      serial.Limits
	items    int // items charged so far
	bytes    int // bytes charged so far
	depth    int // containers currently open
	deepest  int // deepest level reached inside the innermost open container
	refs     []refEntry
	keys     keyer
	maxDepth int
}

func newDecoder(data []byte, lim serial.Limits) decoder {
	lim = lim.WithDefaults()
	md := lim.MaxDepth
	if md > hardMaxDepth {
		md = hardMaxDepth
	}
	return decoder{data: data, lim: lim, maxDepth: md}
}

func (d *decoder) malformed(off int, format string, args ...any) error {
	return errorf(serial.ErrMalformed, "at offset %d: "+format, append([]any{off}, args...)...)
}

func (d *decoder) truncated(off int, what string) error {
	return errorf(serial.ErrMalformed, "at offset %d: data too short for %s", off, what)
}

func (d *decoder) remaining() int { return len(d.data) - d.pos }

func (d *decoder) readByte(what string) (byte, error) {
	if d.pos >= len(d.data) {
		return 0, d.truncated(d.pos, what)
	}
	b := d.data[d.pos]
	d.pos++
	return b, nil
}

func (d *decoder) read(n int, what string) ([]byte, error) {
	if n < 0 || n > d.remaining() {
		return nil, d.truncated(d.pos, what)
	}
	b := d.data[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	return b, nil
}

func (d *decoder) readInt32(what string) (int32, error) {
	b, err := d.read(4, what)
	if err != nil {
		return 0, err
	}
	return int32(binary.LittleEndian.Uint32(b)), nil
}

// chargeItems accounts for n more container items.
func (d *decoder) chargeItems(n int) error {
	if n > d.lim.MaxItems-d.items {
		return errorf(serial.ErrLimit, "more than %d items", d.lim.MaxItems)
	}
	d.items += n
	return nil
}

// chargeBytes accounts for n more bytes of string, bytes or int data.
func (d *decoder) chargeBytes(n int) error {
	if n > d.lim.MaxBytes-d.bytes {
		return errorf(serial.ErrLimit, "more than %d bytes of data", d.lim.MaxBytes)
	}
	d.bytes += n
	return nil
}

// count reads an int32 element count and checks it against the input left
// (every element takes at least one byte) and the item limit, before the
// caller allocates anything.
func (d *decoder) count(what string) (int, error) {
	off := d.pos
	n32, err := d.readInt32(what)
	if err != nil {
		return 0, err
	}
	return d.checkCount(off, int(n32), what)
}

func (d *decoder) checkCount(off, n int, what string) (int, error) {
	if n < 0 {
		return 0, d.malformed(off, "%s size %d out of range", what, n)
	}
	if n > d.remaining() {
		return 0, d.malformed(off, "%s declares %d items but only %d bytes remain", what, n, d.remaining())
	}
	if err := d.chargeItems(n); err != nil {
		return 0, err
	}
	return n, nil
}

// length reads an int32 byte length (or a uint8 one when short), checks it
// against the input left and returns the bytes.
func (d *decoder) length(short bool, what string) ([]byte, error) {
	off := d.pos
	var n int
	if short {
		b, err := d.readByte(what)
		if err != nil {
			return nil, err
		}
		n = int(b)
	} else {
		n32, err := d.readInt32(what)
		if err != nil {
			return nil, err
		}
		n = int(n32)
		if n < 0 {
			return nil, d.malformed(off, "%s size %d out of range", what, n)
		}
	}
	if n > d.remaining() {
		return nil, d.malformed(off, "%s of %d bytes but only %d bytes remain", what, n, d.remaining())
	}
	return d.read(n, what)
}

// enter opens a container level and returns the state leave needs.
func (d *decoder) enter() (saved int, err error) {
	if d.depth >= d.maxDepth {
		return 0, errorf(serial.ErrLimit, "nesting deeper than %d", d.maxDepth)
	}
	d.depth++
	saved = d.deepest
	d.deepest = d.depth
	return saved, nil
}

// leave closes a container level and returns the container's height.
func (d *decoder) leave(saved int) int {
	h := d.deepest - d.depth + 1
	if saved > d.deepest {
		d.deepest = saved
	}
	d.depth--
	return h
}

// reserve takes a reference slot for a container before its items are
// read, as CPython does. It returns -1 when flag is not set.
func (d *decoder) reserve(flag bool) int {
	if !flag {
		return -1
	}
	d.refs = append(d.refs, refEntry{pending: true})
	return len(d.refs) - 1
}

// value decodes one object. It returns null for TYPE_NULL; hashable says
// whether Python could use the object as a dict key.
func (d *decoder) value() (any, bool, error) {
	off := d.pos
	code, err := d.readByte("type code")
	if err != nil {
		return nil, false, err
	}
	flag := code&flagRef != 0
	switch t := code &^ flagRef; t {
	case typeNull:
		return null, false, nil
	case typeNone:
		return nil, true, nil
	case typeTrue:
		return true, true, nil
	case typeFalse:
		return false, true, nil
	case typeInt:
		n, err := d.readInt32("int")
		if err != nil {
			return nil, false, err
		}
		return d.scalar(flag, int64(n), 0)
	case typeLong:
		v, nbytes, err := d.long(off)
		if err != nil {
			return nil, false, err
		}
		return d.scalar(flag, v, nbytes)
	case typeBinaryFloat:
		b, err := d.read(8, "float")
		if err != nil {
			return nil, false, err
		}
		return d.scalar(flag, math.Float64frombits(binary.LittleEndian.Uint64(b)), 0)
	case typeBinaryComplex:
		b, err := d.read(16, "complex")
		if err != nil {
			return nil, false, err
		}
		re := math.Float64frombits(binary.LittleEndian.Uint64(b))
		im := math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
		return d.scalar(flag, complex(re, im), 0)
	case typeFloat:
		f, err := d.textFloat()
		if err != nil {
			return nil, false, err
		}
		return d.scalar(flag, f, 0)
	case typeComplex:
		re, err := d.textFloat()
		if err != nil {
			return nil, false, err
		}
		im, err := d.textFloat()
		if err != nil {
			return nil, false, err
		}
		return d.scalar(flag, complex(re, im), 0)
	case typeString:
		b, err := d.length(false, "bytes")
		if err != nil {
			return nil, false, err
		}
		if err := d.chargeBytes(len(b)); err != nil {
			return nil, false, err
		}
		return d.scalar(flag, b, len(b))
	case typeUnicode, typeInterned:
		b, err := d.length(false, "str")
		if err != nil {
			return nil, false, err
		}
		if !utf8.Valid(b) {
			return nil, false, d.malformed(off, "str is not valid UTF-8")
		}
		if err := d.chargeBytes(len(b)); err != nil {
			return nil, false, err
		}
		return d.scalar(flag, string(b), len(b))
	case typeASCII, typeASCIIInterned, typeShortASCII, typeShortASCIIInt:
		b, err := d.length(t == typeShortASCII || t == typeShortASCIIInt, "str")
		if err != nil {
			return nil, false, err
		}
		s, err := d.latin1(b)
		if err != nil {
			return nil, false, err
		}
		return d.scalar(flag, s, len(s))
	case typeTuple, typeSmallTuple:
		var n int
		if t == typeSmallTuple {
			b, err := d.readByte("tuple size")
			if err != nil {
				return nil, false, err
			}
			n, err = d.checkCount(off+1, int(b), "tuple")
			if err != nil {
				return nil, false, err
			}
		} else {
			n, err = d.count("tuple")
			if err != nil {
				return nil, false, err
			}
		}
		return d.sequence(flag, n, true)
	case typeList:
		n, err := d.count("list")
		if err != nil {
			return nil, false, err
		}
		return d.sequence(flag, n, false)
	case typeDict:
		return d.dict(flag)
	case typeSet, typeFrozenSet:
		n, err := d.count("set")
		if err != nil {
			return nil, false, err
		}
		return d.set(flag, n, t == typeFrozenSet)
	case typeRef:
		idx, err := d.readInt32("reference")
		if err != nil {
			return nil, false, err
		}
		return d.ref(off, int(idx))
	case typeCode:
		return nil, false, errorf(serial.ErrUnsupported, "at offset %d: code objects are refused", off)
	case typeStopIter, typeEllipsis:
		return nil, false, errorf(serial.ErrUnsupported, "at offset %d: type code %q (StopIteration/Ellipsis) is not data", off, rune(t))
	case typeInt64:
		return nil, false, errorf(serial.ErrUnsupported, "at offset %d: legacy int64 code 'I' is refused (Python 3 never writes it)", off)
	default:
		return nil, false, d.malformed(off, "unknown type code 0x%02x", code)
	}
}

// scalar registers a finished non-container object when flag is set.
func (d *decoder) scalar(flag bool, v any, nbytes int) (any, bool, error) {
	if flag {
		d.refs = append(d.refs, refEntry{v: v, hashable: true, bytes: nbytes})
	}
	return v, true, nil
}

// ref resolves a back-reference and charges the limits for it as if the
// object had been written out in full.
func (d *decoder) ref(off, idx int) (any, bool, error) {
	if idx < 0 || idx >= len(d.refs) {
		return nil, false, d.malformed(off, "invalid reference %d (table has %d entries)", idx, len(d.refs))
	}
	e := &d.refs[idx]
	if e.pending {
		return nil, false, d.malformed(off, "reference %d to a container still being decoded (cyclic data is refused)", idx)
	}
	if err := d.chargeItems(e.items); err != nil {
		return nil, false, err
	}
	if err := d.chargeBytes(e.bytes); err != nil {
		return nil, false, err
	}
	if lvl := d.depth + e.height; lvl > d.deepest {
		if lvl > d.maxDepth {
			return nil, false, errorf(serial.ErrLimit, "nesting deeper than %d", d.maxDepth)
		}
		d.deepest = lvl
	}
	return e.v, e.hashable, nil
}

// long decodes TYPE_LONG: an int32 digit count (negative for a negative
// number) and that many 15-bit digits, least significant first.
func (d *decoder) long(off int) (any, int, error) {
	n32, err := d.readInt32("int size")
	if err != nil {
		return nil, 0, err
	}
	if n32 == 0 {
		return int64(0), 0, nil
	}
	if n32 == math.MinInt32 {
		return nil, 0, d.malformed(off, "int size out of range")
	}
	neg := n32 < 0
	n := int(n32)
	if neg {
		n = -n
	}
	if n > d.remaining()/2 {
		return nil, 0, d.malformed(off, "int of %d digits but only %d bytes remain", n, d.remaining())
	}
	if err := d.chargeBytes(2 * n); err != nil {
		return nil, 0, err
	}
	raw, _ := d.read(2*n, "int digits")
	for i := 0; i < n; i++ {
		if raw[2*i+1]&0x80 != 0 {
			return nil, 0, d.malformed(off+5+2*i, "int digit out of range")
		}
	}
	if raw[2*n-2] == 0 && raw[2*n-1] == 0 {
		return nil, 0, d.malformed(off, "unnormalized int (top digit is zero)")
	}
	if n <= 4 { // at most 60 bits
		var m uint64
		for i := n - 1; i >= 0; i-- {
			m = m<<15 | uint64(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		if neg {
			return -int64(m), 2 * n, nil
		}
		return int64(m), 2 * n, nil
	}
	words := make([]big.Word, (15*n+bits.UintSize-1)/bits.UintSize)
	for i := 0; i < n; i++ {
		dg := big.Word(binary.LittleEndian.Uint16(raw[2*i:]))
		bit := 15 * i
		w, sh := bit/bits.UintSize, uint(bit%bits.UintSize)
		words[w] |= dg << sh
		if sh+15 > bits.UintSize {
			words[w+1] |= dg >> (bits.UintSize - sh)
		}
	}
	z := new(big.Int).SetBits(words)
	if neg {
		z.Neg(z)
	}
	return value.NormalizeInt(z), 2 * n, nil
}

// textFloat decodes the uint8-length text form of a float used by marshal
// versions 0 and 1, with the syntax CPython's PyOS_string_to_double accepts.
func (d *decoder) textFloat() (float64, error) {
	off := d.pos
	b, err := d.length(true, "float text")
	if err != nil {
		return 0, err
	}
	if !validFloatText(b) {
		return 0, d.malformed(off, "invalid float text %q", b)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && !isRangeErr(err) {
		return 0, d.malformed(off, "invalid float text %q", b)
	}
	return f, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// validFloatText reports whether b is [sign] (digits [. digits] | . digits)
// [exponent], or [sign] inf|infinity|nan in any case.
func validFloatText(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	switch lower(b[i:]) {
	case "inf", "infinity", "nan":
		return true
	}
	digits := 0
	for i < len(b) && isDigit(b[i]) {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isDigit(b[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		exp := 0
		for i < len(b) && isDigit(b[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lower(b []byte) string {
	if len(b) > len("infinity") {
		return ""
	}
	var buf [8]byte
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return string(buf[:len(b)])
}

// latin1 converts the one-byte-per-character strings of the a/A/z/Z codes.
// CPython reads them as Latin-1 without checking that they are ASCII.
func (d *decoder) latin1(b []byte) (string, error) {
	high := 0
	for _, c := range b {
		if c >= 0x80 {
			high++
		}
	}
	if err := d.chargeBytes(len(b) + high); err != nil {
		return "", err
	}
	if high == 0 {
		return string(b), nil
	}
	out := make([]byte, 0, len(b)+high)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out), nil
}

// sequence decodes the n items of a tuple or list.
func (d *decoder) sequence(flag bool, n int, tuple bool) (any, bool, error) {
	idx := d.reserve(flag)
	items0, bytes0 := d.items-n, d.bytes // the caller has charged the n items
	saved, err := d.enter()
	if err != nil {
		return nil, false, err
	}
	s := make([]any, n)
	hashable := tuple
	for i := range s {
		off := d.pos
		v, h, err := d.value()
		if err != nil {
			return nil, false, err
		}
		if v == null {
			kind := "list"
			if tuple {
				kind = "tuple"
			}
			return nil, false, d.malformed(off, "NULL object in %s", kind)
		}
		s[i] = v
		hashable = hashable && h
	}
	height := d.leave(saved)
	var v any = s
	if tuple {
		v = value.Tuple(s)
	}
	d.finish(idx, v, hashable, items0, bytes0, height)
	return v, hashable, nil
}

// finish fills a reserved reference slot once its container is complete.
func (d *decoder) finish(idx int, v any, hashable bool, items0, bytes0, height int) {
	if idx < 0 {
		return
	}
	d.refs[idx] = refEntry{v: v, hashable: hashable, items: d.items - items0, bytes: d.bytes - bytes0, height: height}
}

// dict decodes key/value pairs up to TYPE_NULL. Like CPython, a TYPE_NULL in
// the value position also ends the dict and drops the dangling key.
func (d *decoder) dict(flag bool) (any, bool, error) {
	idx := d.reserve(flag)
	items0, bytes0 := d.items, d.bytes
	saved, err := d.enter()
	if err != nil {
		return nil, false, err
	}
	b := dictBuilder{d: &value.Dict{}, keys: &d.keys}
	for {
		off := d.pos
		k, hk, err := d.value()
		if err != nil {
			return nil, false, err
		}
		if k == null {
			break
		}
		v, _, err := d.value()
		if err != nil {
			return nil, false, err
		}
		if v == null {
			break
		}
		if !hk {
			return nil, false, d.malformed(off, "unhashable dict key of type %s", pyType(k))
		}
		if err := d.chargeItems(1); err != nil {
			return nil, false, err
		}
		b.set(k, v)
	}
	height := d.leave(saved)
	d.finish(idx, b.d, false, items0, bytes0, height)
	return b.d, false, nil
}

// set decodes the n elements of a set or frozenset, merging equal ones.
func (d *decoder) set(flag bool, n int, frozen bool) (any, bool, error) {
	idx := d.reserve(flag)
	items0, bytes0 := d.items-n, d.bytes // the caller has charged the n items
	saved, err := d.enter()
	if err != nil {
		return nil, false, err
	}
	b := setBuilder{s: make(value.Set, 0, n), keys: &d.keys}
	for i := 0; i < n; i++ {
		off := d.pos
		v, h, err := d.value()
		if err != nil {
			return nil, false, err
		}
		if v == null {
			return nil, false, d.malformed(off, "NULL object in set")
		}
		if !h {
			return nil, false, d.malformed(off, "unhashable set element of type %s", pyType(v))
		}
		b.add(v)
	}
	height := d.leave(saved)
	d.finish(idx, b.s, frozen, items0, bytes0, height)
	return b.s, frozen, nil
}

// pyType names the Python type of a decoded value for error messages.
func pyType(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case *value.Dict:
		return "dict"
	case value.Set:
		return "set"
	case value.Tuple:
		return "tuple"
	}
	return sprintf("%T", v)
}

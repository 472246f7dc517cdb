package value

import (
	"encoding/binary"
	"math"
	"math/big"
	"reflect"
	"testing"
	"time"
)

// genValue builds a model value from fuzz bytes: a tiny generator so that
// the fuzzer explores value shapes rather than a wire syntax.
type genValue struct {
	b     []byte
	nodes int // values made so far; the budget keeps Equal's set comparison cheap
}

func (g *genValue) byte() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *genValue) u64() uint64 {
	var buf [8]byte
	n := copy(buf[:], g.b)
	g.b = g.b[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

func (g *genValue) str() string {
	n := int(g.byte() % 12)
	if n > len(g.b) {
		n = len(g.b)
	}
	s := string(g.b[:n])
	g.b = g.b[n:]
	return s
}

// keyNames are likely struct keys, so that dicts often hit fields.
var keyNames = []string{"x", "y", "name", "points", "tags", "val", "next", "lbl", "depth", "id", "shared",
	"get_fortune", "alias", "opt", "__class__", "data", "encoding", "base64", "raw", "created", "blob", "key", "color", "wait", "big"}

func (g *genValue) value(depth int) any {
	op := g.byte()
	g.nodes++
	if (depth > 5 || g.nodes > 64) && op%32 >= 17 {
		op = 0
	}
	switch op % 32 {
	case 0:
		return nil
	case 1:
		return op&0x80 != 0
	case 2, 3:
		return int64(int8(g.byte()))
	case 4:
		return int64(g.u64())
	case 5:
		b := new(big.Int).SetUint64(g.u64())
		b.Lsh(b, uint(g.byte()%80))
		if op&0x40 != 0 {
			b.Neg(b)
		}
		return b
	case 6:
		return math.Float64frombits(g.u64())
	case 7:
		return float64(int8(g.byte())) / 4
	case 8:
		return complex(float64(int8(g.byte())), 1)
	case 9, 10:
		return g.str()
	case 11:
		return keyNames[int(g.byte())%len(keyNames)]
	case 12:
		return []byte(g.str())
	case 13:
		return time.Unix(int64(int32(g.u64())), 0)
	case 14:
		return Date{Year: int(g.byte()), Month: time.Month(g.byte()), Day: int(g.byte())}
	case 15:
		return Ext{Code: int8(g.byte()), Data: []byte(g.str())}
	case 16:
		return "2024-0" + string('1'+rune(g.byte()%9)) + "-1" + string('0'+rune(g.byte()%10)) + "T10:20:30" + []string{"", "Z", "+02:00", ".5", "-99:00"}[g.byte()%5]
	case 17, 18:
		return g.seq(depth)
	case 19:
		return Tuple(g.seq(depth))
	case 20:
		return Set(g.seq(depth))
	case 21:
		d := NewDict(2)
		d.Append("data", g.str())
		d.Append("encoding", "base64")
		return d
	default:
		n := int(g.byte() % 6)
		d := NewDict(n)
		for range n {
			var k any
			if g.byte()%4 == 0 {
				k = g.value(depth + 1)
			} else {
				k = keyNames[int(g.byte())%len(keyNames)]
			}
			// Set, not Append: a dict with duplicate keys is not a value
			// any decoder produces (and Equal cannot compare it).
			d.Set(k, g.value(depth+1))
		}
		return d
	}
}

func (g *genValue) seq(depth int) []any {
	n := int(g.byte() % 6)
	out := make([]any, 0, n)
	for range n {
		out = append(out, g.value(depth+1))
	}
	return out
}

// fuzzTargets are the Go types FuzzBindAny binds into.
var fuzzTargets = []reflect.Type{
	reflect.TypeFor[int](),
	reflect.TypeFor[uint8](),
	reflect.TypeFor[float32](),
	reflect.TypeFor[complex64](),
	reflect.TypeFor[string](),
	reflect.TypeFor[[]byte](),
	reflect.TypeFor[[4]byte](),
	reflect.TypeFor[[]int](),
	reflect.TypeFor[[2]int](),
	reflect.TypeFor[map[string]int](),
	reflect.TypeFor[map[any]any](),
	reflect.TypeFor[map[int8]bool](),
	reflect.TypeFor[shape](),
	reflect.TypeFor[*node](),
	reflect.TypeFor[withExtra](),
	reflect.TypeFor[withEmbedded](),
	reflect.TypeFor[tagged](),
	reflect.TypeFor[corpusItem](),
	reflect.TypeFor[time.Time](),
	reflect.TypeFor[time.Duration](),
	reflect.TypeFor[Date](),
	reflect.TypeFor[UUID](),
	reflect.TypeFor[*big.Int](),
	reflect.TypeFor[[]color](),
	reflect.TypeFor[any](),
	reflect.TypeFor[Tuple](),
	reflect.TypeFor[[][]string](),
	reflect.TypeFor[[3]fuzzByte](),
	reflect.TypeFor[[]fuzzByte](),
	reflect.TypeFor[map[[2]any]int](),
	reflect.TypeFor[map[struct{ X any }]bool](),
	reflect.TypeFor[map[string]struct{}](),
}

type fuzzByte uint8

func FuzzBindAny(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{22, 3, 11, 2, 7, 11, 3, 17, 2, 22, 2, 0, 0, 2, 5, 11, 4, 2, 9})
	f.Add([]byte{17, 3, 2, 1, 4, 255, 255, 255, 255, 255, 255, 255, 127, 5, 1, 2, 3, 4, 5, 6, 7, 8, 70})
	f.Add([]byte{22, 2, 1, 11, 17, 22, 1, 1, 11, 9, 2, 5, 1, 1, 11, 12, 9, 'a', 'b'})
	f.Add([]byte{21, 8, 'A', 'A', 'H', '/', 'Y', 'n', 'l', '0'})
	f.Add([]byte{16, 1, 2, 3, 13, 1, 2, 3, 4, 14, 200, 2, 29, 6, 0, 0, 0, 0, 0, 0, 248, 127})
	f.Add([]byte{22, 4, 0, 19, 2, 2, 1, 2, 2, 1, 11, 20, 1, 9, 1, 'x', 1, 11, 23, 6, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &genValue{b: data}
		v := g.value(0)
		for _, typ := range fuzzTargets {
			dst := reflect.New(typ).Elem()
			dec, err := DecoderFor(typ)
			if err != nil {
				t.Fatalf("%v: %v", typ, err)
			}
			if err := dec(v, dst); err != nil {
				var be *BindError
				if !asBindError(err, &be) {
					t.Fatalf("%v: error is not a *BindError: %v", typ, err)
				}
				_ = err.Error()
				continue
			}
			// What was bound encodes, and binding the encoding again is
			// stable: one round trip reaches a fixed point.
			m1, err := From(dst.Interface())
			if err != nil {
				continue // e.g. a colour with no name, or a cycle-free but deep value
			}
			again := reflect.New(typ).Elem()
			if err := dec(m1, again); err != nil {
				t.Fatalf("%v: re-binding %#v: %v", typ, m1, err)
			}
			m2, err := From(again.Interface())
			if err != nil {
				t.Fatalf("%v: re-encoding: %v", typ, err)
			}
			if !Equal(m1, m2) {
				t.Fatalf("%v: not a fixed point:\n%#v\n%#v", typ, m1, m2)
			}
		}
	})
}

func asBindError(err error, target **BindError) bool {
	be, ok := err.(*BindError)
	if ok {
		*target = be
	}
	return ok
}

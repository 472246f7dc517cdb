package msgpack

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flintrpc/flint/serial"
	"github.com/flintrpc/flint/value"
)

// genValue makes a random model value (with the encoder's extra Go kinds)
// that Python msgpack can unpack and pack back: str and bytes map keys only.
func genValue(r *rand.Rand, depth int) any {
	if depth > 0 && r.IntN(3) == 0 {
		n := []int{0, 1, 2, 15, 16, 17}[r.IntN(6)]
		switch r.IntN(4) {
		case 0:
			a := make([]any, n)
			for i := range a {
				a[i] = genValue(r, depth-1)
			}
			return a
		case 1:
			a := make(value.Tuple, n)
			for i := range a {
				a[i] = genValue(r, depth-1)
			}
			return a
		case 2:
			a := make(value.Set, n)
			for i := range a {
				a[i] = genValue(r, depth-1)
			}
			return a
		default:
			d := value.NewDict(n)
			for range n {
				var k any = genString(r)
				if r.IntN(4) == 0 {
					k = genBytes(r)
				}
				d.Set(k, genValue(r, depth-1))
			}
			return d
		}
	}
	return genScalar(r)
}

var intEdges = []int64{0, 1, 127, 128, 255, 256, 65535, 65536, 1<<32 - 1, 1 << 32, math.MaxInt64,
	-1, -32, -33, -128, -129, -32768, -32769, math.MinInt32, math.MinInt32 - 1, math.MinInt64}

func genString(r *rand.Rand) string {
	n := []int{0, 1, 5, 31, 32, 33, 255, 256, 300}[r.IntN(9)]
	rs := make([]rune, n)
	for i := range rs {
		switch r.IntN(4) {
		case 0:
			rs[i] = rune(0x20 + r.IntN(0x5f))
		case 1:
			rs[i] = rune(0xa0 + r.IntN(0xd800-0xa0))
		case 2:
			rs[i] = rune(0xe000 + r.IntN(0x2000))
		default:
			rs[i] = rune(0x10000 + r.IntN(0x100000))
		}
	}
	return string(rs)
}

func genBytes(r *rand.Rand) []byte {
	b := make([]byte, []int{0, 1, 3, 255, 256, 1000}[r.IntN(6)])
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func genScalar(r *rand.Rand) any {
	switch r.IntN(17) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return intEdges[r.IntN(len(intEdges))]
	case 3:
		return []any{int(-5), int8(-100), int16(3000), int32(-70000), uint(7), uint8(200), uint16(60000), uint32(1 << 31), uint64(math.MaxUint64)}[r.IntN(9)]
	case 4:
		b := new(big.Int).Lsh(big.NewInt(int64(r.Uint32())+1), uint(r.IntN(200)))
		if r.IntN(2) == 0 {
			b.Neg(b)
		}
		return value.NormalizeInt(b)
	case 5:
		return []float64{0, math.Copysign(0, -1), 1.5, math.Inf(1), math.Inf(-1), math.NaN(), 1e300, 5e-324}[r.IntN(8)]
	case 6:
		return math.Float64frombits(r.Uint64())
	case 7:
		return float32(r.NormFloat64())
	case 8:
		return complex(r.NormFloat64(), r.NormFloat64())
	case 9:
		return genString(r)
	case 10:
		return genBytes(r)
	case 11:
		sec := r.Int64N(4e9) - 1e9
		return time.Unix(sec, int64(r.IntN(1e6))*1000).In(time.Local)
	case 12:
		o := int64(1 + r.IntN(maxOrdinal))
		d, err := fromOrdinal(o)
		if err != nil {
			panic(err)
		}
		return d
	case 13:
		return value.Decimal(strconv.FormatFloat(r.NormFloat64(), 'f', 6, 64))
	case 14:
		var u value.UUID
		for i := range u {
			u[i] = byte(r.Uint32())
		}
		return u
	case 15:
		code := int8(r.IntN(128 - 4))
		if code >= extComplex {
			code += 4 // codes 0x30..0x33 carry Pyro4 types, not raw data
		}
		return value.Ext{Code: code, Data: genBytes(r)}
	}
	return int64(r.IntN(400) - 100)
}

// asDecoded is what the decoder gives back for an encoded v: tuples and
// sets become lists, decimals and UUIDs strings.
func asDecoded(v any) any {
	switch x := v.(type) {
	case value.Tuple:
		return asDecoded([]any(x))
	case value.Set:
		return asDecoded([]any(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = asDecoded(e)
		}
		return out
	case *value.Dict:
		d := value.NewDict(x.Len())
		for _, it := range x.Items {
			d.Append(asDecoded(it.Key), asDecoded(it.Value))
		}
		return d
	case value.Decimal:
		return string(x)
	case value.UUID:
		return x.String()
	}
	return v
}

// TestPythonRoundTrip encodes random values in Go, has python msgpack
// unpack and repack them, and checks that Python's bytes equal Go's (so the
// encoder picks python's forms everywhere) and decode to the original.
func TestPythonRoundTrip(t *testing.T) {
	needPython(t)
	c := New()
	r := rand.New(rand.NewPCG(1, 2))
	var vals []any
	var hexes []string
	for i := range 300 {
		v := genValue(r, 3)
		if i < len(intEdges) { // every int edge at least once, at top level
			v = intEdges[i]
		}
		enc, err := c.Marshal(nil, v)
		require.NoError(t, err)
		vals = append(vals, v)
		hexes = append(hexes, hex.EncodeToString(enc))
	}
	in, err := json.Marshal(hexes)
	require.NoError(t, err)
	var out []struct {
		Hex   string `json:"hex"`
		Error string `json:"error"`
	}
	runPython(t, in, &out, "roundtrip")
	require.Len(t, out, len(vals))
	for i, o := range out {
		require.Emptyf(t, o.Error, "value %d %#v: python failed", i, vals[i])
		require.Equalf(t, hexes[i], o.Hex, "value %d %#v: python packs it differently", i, vals[i])
		p, err := hex.DecodeString(o.Hex)
		require.NoError(t, err)
		got, err := c.Unmarshal(p, serial.Limits{})
		require.NoError(t, err)
		require.Emptyf(t, diff(asDecoded(vals[i]), got), "value %d", i)
	}
}

// TestPythonPacked decodes values packed by Pyro4's own MsgpackSerializer
// (its default hook for big ints, complex, datetime and date included) and
// compares them with what Python says they are.
func TestPythonPacked(t *testing.T) {
	needPython(t)
	var corpus []struct {
		Hex      string          `json:"hex"`
		Expected json.RawMessage `json:"expected"`
	}
	runPython(t, nil, &corpus, "corpus", "7", "300")
	require.Len(t, corpus, 300)
	c := New()
	for i, e := range corpus {
		p, err := hex.DecodeString(e.Hex)
		require.NoError(t, err)
		want, err := fromTagged(e.Expected)
		require.NoError(t, err)
		got, err := c.Unmarshal(p, serial.Limits{})
		require.NoErrorf(t, err, "value %d", i)
		require.Emptyf(t, diff(want, got), "value %d", i)
		// What Pyro4 packed, we pack the same way, unless it holds a
		// msgpack Timestamp, which we send as Pyro4's datetime ext.
		if !bytes.Contains(e.Expected, []byte(`"t":"timestamp"`)) {
			enc, err := c.Marshal(nil, got)
			require.NoError(t, err)
			require.Equalf(t, e.Hex, hex.EncodeToString(enc), "value %d re-encoded", i)
		}
	}
}

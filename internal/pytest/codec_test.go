package pytest

import (
	"fmt"
	"testing"

	"github.com/flintrpc/flint/serial"
	"github.com/stretchr/testify/assert"
)

// lenCodec "decodes" a payload into its length, and refuses payloads
// shorter than min with ErrMalformed.
type lenCodec struct{ min int }

func (lenCodec) ID() uint16                                { return 0 }
func (lenCodec) Name() string                              { return "len" }
func (lenCodec) Marshal(dst []byte, _ any) ([]byte, error) { return dst, nil }
func (c lenCodec) Unmarshal(data []byte, _ serial.Limits) (any, error) {
	if len(data) < c.min {
		return nil, fmt.Errorf("short: %w", serial.ErrMalformed)
	}
	return int64(len(data)), nil
}

func TestCheckVectorsTruncated(t *testing.T) {
	vecs := writeVectors(t, []Vector{
		{Name: "a", MessageHex: message(t, []byte("abcdef"), false)},
		{Name: "b", MessageHex: message(t, []byte("xyz"), true), Compressed: true},
	})
	CheckVectorsTruncated(t, lenCodec{min: 100}, vecs)

	tb := &fakeTB{TB: t}
	run(tb, func(tb testing.TB) { CheckVectorsTruncated(tb, lenCodec{min: 2}, vecs) })
	assert.Contains(t, tb.failed, "cut at 2", "a decoder that accepts a prefix is caught")
}

func TestCheckVectorsDecode(t *testing.T) {
	RequirePython(t)
	vecs := writeVectors(t, []Vector{
		{Name: "six", MessageHex: message(t, []byte("abcdef"), false), RawRepr: "6"},
		{Name: "three", MessageHex: message(t, []byte("xyz"), true), Compressed: true, RawRepr: "3"},
	})
	golden := t.TempDir() + "/golden.json"
	CheckGolden(t, vecs, golden, true)
	CheckVectorsDecode(t, lenCodec{}, vecs, golden)

	tb := &fakeTB{TB: t}
	run(tb, func(tb testing.TB) { CheckVectorsDecode(tb, lenCodec{min: 4}, vecs, golden) })
	assert.Contains(t, tb.failed, "three", "a refused payload is reported")
}

package wire

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawMessage builds wire bytes with a correct checksum around arbitrary
// (possibly malformed) annotation bytes and data; dataSize overrides the
// announced size when not -1.
func rawMessage(typ MsgType, flags Flags, ann, data []byte, dataSize int64) []byte {
	if dataSize == -1 {
		dataSize = int64(len(data))
	}
	h := Header{Type: typ, Flags: flags, Seq: 7, DataSize: int32(dataSize), SerializerID: 1, AnnotationsSize: uint16(len(ann))}
	h.Checksum = h.ComputeChecksum()
	b := h.Append(nil)
	b = append(b, ann...)
	return append(b, data...)
}

func chunk(key string, v []byte) []byte { return appendChunk(nil, key, v) }

func readOne(b []byte, lim Limits, a Authenticator) (*Message, error) {
	r := NewReader(bytes.NewReader(b), lim)
	r.SetAuthenticator(a)
	return r.ReadMessage()
}

// recordingReader serves src and remembers the largest buffer it was asked
// to fill, i.e. how much memory the reader committed to the peer's claim.
type recordingReader struct {
	src     io.Reader
	maxRead int
	total   int
}

func (r *recordingReader) Read(p []byte) (int, error) {
	r.maxRead = max(r.maxRead, len(p))
	n, err := r.src.Read(p)
	r.total += n
	return n, err
}

func allocatedDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestLyingDataSizeRefusedBeforeAllocation(t *testing.T) {
	for _, size := range []int64{0x7fffffff, DefaultMaxMessageSize + 1} {
		raw := rawMessage(MsgInvoke, 0, nil, nil, size)
		require.Len(t, raw, HeaderSize)
		rec := &recordingReader{src: bytes.NewReader(raw)}
		var err error
		alloc := allocatedDuring(func() { _, err = NewReader(rec, Limits{}).ReadMessage() })
		require.ErrorIs(t, err, ErrTooLarge)
		assert.Contains(t, err.Error(), "where max=16777216")
		assert.Equal(t, HeaderSize, rec.maxRead, "only the header was read")
		assert.Less(t, alloc, uint64(64<<10), "no buffer for the announced %d bytes", size)
	}
	// The limit counts annotations too.
	raw := rawMessage(MsgInvoke, 0, chunk("CORR", make([]byte, 16)), []byte("0123456789"), -1)
	_, err := readOne(raw, Limits{MaxMessageSize: 31}, nil)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.EqualError(t, err, "max message size exceeded (32 where max=31)")
	_, err = readOne(raw, Limits{MaxMessageSize: 32}, nil)
	require.NoError(t, err)
}

func TestNegativeDataSizeRefused(t *testing.T) {
	raw := rawMessage(MsgInvoke, 0, nil, nil, -5)
	h, err := ParseHeader(raw)
	require.NoError(t, err, "the header itself is well-formed")
	require.EqualValues(t, -5, h.DataSize)
	rec := &recordingReader{src: bytes.NewReader(raw)}
	_, err = NewReader(rec, Limits{}).ReadMessage()
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "negative data size -5")
	assert.Equal(t, HeaderSize, rec.maxRead)
}

// A size within the limit but never sent: the reader grows its buffer as
// data arrives instead of trusting the claim.
func TestUnsentBodyNotFullyAllocated(t *testing.T) {
	const announced = 12 << 20
	raw := append(rawMessage(MsgInvoke, 0, nil, nil, announced), make([]byte, 100)...)
	rec := &recordingReader{src: bytes.NewReader(raw)}
	var err error
	alloc := allocatedDuring(func() { _, err = NewReader(rec, Limits{}).ReadMessage() })
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.LessOrEqual(t, rec.maxRead, eagerAllocMax)
	assert.Less(t, alloc, uint64(eagerAllocMax+(1<<20)))

	// An honest message of that size still arrives intact.
	data := bytes.Repeat([]byte("0123456789abcdef"), announced/16)
	raw = rawMessage(MsgResult, 0, nil, data, -1)
	m, err := readOne(raw, Limits{}, nil)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, m.Data))
}

func TestTruncatedInput(t *testing.T) {
	// A signed message with a CORR chunk: every proper prefix is truncated.
	key := []byte("k")
	m := &Message{Type: MsgInvoke, Seq: 3, SerializerID: 1, Data: []byte("payload bytes")}
	m.SetAnnotation(KeyCorrelation, bytes.Repeat([]byte{0xab}, 16))
	full, err := AppendMessage(nil, m, Pyro4HMAC(key))
	require.NoError(t, err)

	_, err = readOne(nil, Limits{}, nil)
	require.Same(t, io.EOF, err, "empty stream: clean EOF")
	for n := 1; n < len(full); n++ {
		_, err := readOne(full[:n], Limits{}, Pyro4HMAC(key))
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "prefix of %d bytes", n)
		require.NotErrorIs(t, err, io.EOF)
	}
	got, err := readOne(full, Limits{}, Pyro4HMAC(key))
	require.NoError(t, err)
	assert.Equal(t, m.Data, got.Data)
}

func TestMalformedAnnotations(t *testing.T) {
	corr := chunk("CORR", make([]byte, 16))
	cases := map[string][]byte{
		"runs past size":   corr[:len(corr)-1],
		"trailing bytes":   append(bytes.Clone(corr), 'X', 'Y', 'Z'),
		"only a key":       []byte("CORR"),
		"non-ASCII key":    chunk("CO\xffR", []byte("v")),
		"control char key": chunk("CO\nR", []byte("v")),
		"NUL key":          chunk("\x00\x00\x00\x00", nil),
		"repeated key":     append(chunk("USER", []byte("a")), chunk("USER", []byte("b"))...),
		"repeated CORR":    append(bytes.Clone(corr), corr...),
		"length past end":  {'A', 'B', 'C', 'D', 0xff, 0xff, 1, 2, 3},
	}
	// Many chunks: the duplicate check must use the map path.
	var many []byte
	for i := 0; i < 200; i++ {
		many = append(many, chunk(string([]byte{'K', byte('a' + i%26), byte('a' + i/26), '.'}), nil)...)
	}
	cases["repeated key among many"] = append(bytes.Clone(many), chunk("Kaa.", nil)...)
	for name, ann := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := readOne(rawMessage(MsgInvoke, 0, ann, []byte("data"), -1), Limits{}, nil)
			require.ErrorIs(t, err, ErrAnnotations)
		})
	}
	m, err := readOne(rawMessage(MsgInvoke, 0, many, []byte("data"), -1), Limits{}, nil)
	require.NoError(t, err, "200 distinct chunks are fine")
	require.Len(t, m.Annotations, 200)
	assert.Equal(t, "Kbh.", m.Annotations[183].Key)

	// Printable but unusual keys and empty values are fine.
	m, err = readOne(rawMessage(MsgInvoke, 0, append(chunk("a b~", nil), corr...), nil, -1), Limits{}, nil)
	require.NoError(t, err)
	require.Len(t, m.Annotations, 2)
	assert.Equal(t, "a b~", m.Annotations[0].Key)
	assert.Empty(t, m.Annotations[0].Value)
	assert.Empty(t, m.Data)
}

func TestDecodedMessageDoesNotAlias(t *testing.T) {
	// A value must not be extendable into the next chunk or the payload.
	ann := append(chunk("AAAA", []byte("x")), chunk("BBBB", []byte("y"))...)
	m, err := readOne(rawMessage(MsgInvoke, 0, ann, []byte("data"), -1), Limits{}, nil)
	require.NoError(t, err)
	a := m.Annotations[0].Value
	_ = append(a, 'Z')
	assert.Equal(t, "BBBB", m.Annotations[1].Key)
	assert.Equal(t, "y", string(m.Annotations[1].Value))
	_ = append(m.Annotations[1].Value, 'Z')
	assert.Equal(t, "data", string(m.Data))
}

func TestErrorsAreSticky(t *testing.T) {
	good := rawMessage(MsgInvoke, 0, nil, []byte("ok"), -1)
	bad := bytes.Clone(good)
	bad[23] ^= 1 // checksum
	r := NewReader(bytes.NewReader(append(bad, good...)), Limits{})
	_, err := r.ReadMessage()
	require.ErrorIs(t, err, ErrChecksum)
	_, err2 := r.ReadMessage()
	require.ErrorIs(t, err2, ErrChecksum, "out of step: the stream stays failed")
}

// flakyReader fails its first read without delivering any byte, like a read
// deadline that fires while the peer is idle.
type flakyReader struct {
	src    io.Reader
	failed bool
}

var errDeadline = errors.New("i/o timeout")

func (f *flakyReader) Read(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, errDeadline
	}
	return f.src.Read(p)
}

func TestErrorBeforeHeaderIsNotSticky(t *testing.T) {
	good := rawMessage(MsgPing, 0, nil, []byte("ping"), -1)
	r := NewReader(&flakyReader{src: bytes.NewReader(good)}, Limits{})
	_, err := r.ReadMessage()
	require.ErrorIs(t, err, errDeadline)
	m, err := r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, "ping", string(m.Data))
}

func TestHeaderChecks(t *testing.T) {
	// The ping example of the protocol reference.
	ping := mustHex(t, "5059524f003000060000000000000004002a00000000354d")
	h, err := ParseHeader(ping)
	require.NoError(t, err)
	assert.Equal(t, Header{Type: MsgPing, DataSize: 4, SerializerID: 42, Checksum: 0x354D}, h)
	assert.Equal(t, ping, h.Append(nil))

	_, err = ParseHeader(ping[:23])
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	bad := bytes.Clone(ping)
	bad[3] = 'X'
	_, err = ParseHeader(bad)
	require.ErrorIs(t, err, ErrBadMagic)
	assert.EqualError(t, err, "invalid data or unsupported protocol version")

	// Version 49 with the checksum fixed up: still refused, magic/version
	// come first.
	bad = bytes.Clone(ping)
	binary.BigEndian.PutUint16(bad[4:], 49)
	binary.BigEndian.PutUint16(bad[22:], 0x354E)
	_, err = ParseHeader(bad)
	require.ErrorIs(t, err, ErrBadMagic)

	// Reserved is neither checked nor in the checksum.
	res := bytes.Clone(ping)
	binary.BigEndian.PutUint16(res[20:], 0xBEEF)
	h, err = ParseHeader(res)
	require.NoError(t, err)
	assert.EqualValues(t, 0xBEEF, h.Reserved)

	// Every single-bit change of a checksummed field is detected, except
	// in the upper half of data_size (bytes 12-13): the sum is taken mod
	// 2^16, so those bits do not reach it. Such a change alters the size by
	// at least 64 KiB and meets the size limit (or a short stream) instead.
	for i := 6; i < 20; i++ {
		if i == 12 || i == 13 {
			b := bytes.Clone(ping)
			b[i] ^= 1
			_, err := ParseHeader(b)
			require.NoError(t, err, "Pyro4's checksum does not see byte %d", i)
			_, err = readOne(b, Limits{MaxMessageSize: 64 << 10}, nil)
			require.ErrorIs(t, err, ErrTooLarge)
			continue
		}
		for bit := 0; bit < 8; bit++ {
			b := bytes.Clone(ping)
			b[i] ^= 1 << bit
			_, err := ParseHeader(b)
			require.ErrorIs(t, err, ErrChecksum, "byte %d bit %d", i, bit)
		}
	}
	// A negative data size checksums like Python's (x & 0xffff).
	neg := Header{Type: MsgResult, DataSize: -1}
	assert.Equal(t, uint16((5+48-1+0x34E9)&0xFFFF), neg.ComputeChecksum())
}

func zlibBytes(t testing.TB, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := zlib.NewWriterLevel(&b, zlib.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(p)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

func TestZlibBombRefused(t *testing.T) {
	bomb := zlibBytes(t, make([]byte, 64<<20)) // 64 MiB of zeros
	require.Less(t, len(bomb), 128<<10)
	raw := rawMessage(MsgResult, FlagCompressed, nil, bomb, -1)

	var err error
	alloc := allocatedDuring(func() { _, err = readOne(raw, Limits{}, nil) })
	require.ErrorIs(t, err, ErrDecompressedTooLarge)
	// It stopped near the 16 MiB default instead of inflating 64 MiB
	// (the buffer doubles, so allow for that and the compressed input).
	assert.Less(t, alloc, uint64(48<<20))

	_, err = readOne(raw, Limits{MaxDecompressedSize: 1000}, nil)
	require.ErrorIs(t, err, ErrDecompressedTooLarge)

	// Exactly at the limit is fine, one byte over is not.
	small := zlibBytes(t, make([]byte, 5000))
	m, err := readOne(rawMessage(MsgResult, FlagCompressed, nil, small, -1), Limits{MaxDecompressedSize: 5000}, nil)
	require.NoError(t, err)
	assert.Len(t, m.Data, 5000)
	_, err = readOne(rawMessage(MsgResult, FlagCompressed, nil, small, -1), Limits{MaxDecompressedSize: 4999}, nil)
	require.ErrorIs(t, err, ErrDecompressedTooLarge)
}

func TestBadCompressedPayload(t *testing.T) {
	good := zlibBytes(t, bytes.Repeat([]byte("hello "), 100))
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-1] ^= 0xff // adler32
	cases := map[string][]byte{
		"not zlib":       []byte("this is not zlib"),
		"empty":          nil,
		"truncated":      good[:len(good)-6],
		"bad checksum":   corrupt,
		"trailing bytes": append(bytes.Clone(good), 0),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := readOne(rawMessage(MsgResult, FlagCompressed, nil, data, -1), Limits{}, nil)
			require.ErrorIs(t, err, ErrDecompress)
			require.NotErrorIs(t, err, io.ErrUnexpectedEOF, "not a truncated stream")
		})
	}
	// The reader's reused inflater recovers for the next message.
	r := NewReader(bytes.NewReader(append(
		rawMessage(MsgResult, FlagCompressed, nil, good, -1),
		rawMessage(MsgResult, FlagCompressed, nil, good, -1)...)), Limits{})
	for i := 0; i < 2; i++ {
		m, err := r.ReadMessage()
		require.NoError(t, err)
		assert.Equal(t, bytes.Repeat([]byte("hello "), 100), m.Data)
	}
}

func TestMACBeforeInflate(t *testing.T) {
	// A signed bomb from someone without the key is refused by the MAC,
	// before anything is inflated.
	bomb := zlibBytes(t, make([]byte, 32<<20))
	m := &Message{Type: MsgResult, Flags: FlagCompressed, Data: bomb}
	raw, err := AppendMessage(nil, m, Pyro4HMAC([]byte("attacker")))
	require.NoError(t, err)
	_, err = readOne(raw, Limits{}, Pyro4HMAC([]byte("ours")))
	require.ErrorIs(t, err, ErrMACMismatch)
}

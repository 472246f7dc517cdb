package wire

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// Annotation keys used by Pyro4 itself.
const (
	KeyCorrelation = "CORR" // 16-byte correlation id (UUID bytes)
	KeyHMAC        = "HMAC" // Pyro4's HMAC-SHA1 chunk, see [Pyro4HMAC]
	KeyStream      = "STRM" // item stream id (ASCII UUID string)
	KeyBlobInfo    = "BLBI" // blob info of a KEEPSERIALIZED call
)

// Annotation is one annotation chunk.
type Annotation struct {
	// Key is exactly 4 printable ASCII bytes (0x20-0x7E).
	Key string
	// Value holds at most 65535 bytes.
	Value []byte
}

// Message is one protocol message. A message returned by [Reader.ReadMessage]
// owns its memory: annotation values and Data are sub-slices of one buffer
// allocated for that message and are never reused by the Reader.
type Message struct {
	Type         MsgType
	Flags        Flags
	Seq          uint16
	SerializerID uint16
	// Annotations in wire order. On read the authenticator's MAC chunk is
	// removed; on write it is added last by the encoder, so it must not be
	// present here.
	Annotations []Annotation
	// Data is the payload. On read it is already inflated if FlagCompressed
	// was set (Flags keeps the bit so callers can see it). On write it is
	// sent as it is, except that a [Writer] with compression on may deflate
	// it.
	Data []byte
	// Segments, when not nil, is the payload in pieces, sent in order
	// without being joined: a large byte string can then go out from the
	// memory that holds it (see [serial.SegmentMarshaler]). Data must then
	// be empty. The pieces must not change until the message is written.
	// The Reader never sets it.
	Segments [][]byte
}

// PayloadLen returns the length of the payload: len(Data), or the sum of
// the Segments.
func (m *Message) PayloadLen() int {
	if m.Segments == nil {
		return len(m.Data)
	}
	n := 0
	for _, s := range m.Segments {
		n += len(s)
	}
	return n
}

// payload returns the payload as one slice, joining Segments if it must.
func (m *Message) payload() []byte {
	if m.Segments == nil {
		return m.Data
	}
	return joinSegments(m.Segments)
}

func joinSegments(segs [][]byte) []byte {
	n := 0
	for _, s := range segs {
		n += len(s)
	}
	out := make([]byte, 0, n)
	for _, s := range segs {
		out = append(out, s...)
	}
	return out
}

// Annotation returns the value of the first chunk with the given key.
func (m *Message) Annotation(key string) ([]byte, bool) {
	for i := range m.Annotations {
		if m.Annotations[i].Key == key {
			return m.Annotations[i].Value, true
		}
	}
	return nil, false
}

// SetAnnotation sets the value of the chunk with the given key, replacing
// the existing value in place or appending a new chunk. v is stored without
// copying. The key is checked when the message is encoded.
func (m *Message) SetAnnotation(key string, v []byte) {
	for i := range m.Annotations {
		if m.Annotations[i].Key == key {
			m.Annotations[i].Value = v
			return
		}
	}
	m.Annotations = append(m.Annotations, Annotation{Key: key, Value: v})
}

// CorrelationID returns the 16 bytes of the CORR chunk (a UUID in RFC 4122
// byte order). ok is false when there is no CORR chunk or it is not 16
// bytes long.
func (m *Message) CorrelationID() (id [16]byte, ok bool) {
	v, found := m.Annotation(KeyCorrelation)
	if !found || len(v) != len(id) {
		return id, false
	}
	copy(id[:], v)
	return id, true
}

// AppendMessage appends the wire encoding of m to dst: header, annotation
// chunks in order, then (if a is not nil) a's MAC chunk, then m.Data. It
// does not compress: set Data and FlagCompressed as wanted. The Reserved
// field is written as 0.
//
// It fails (dst returned unchanged) if a key is not 4 printable ASCII bytes
// or repeats, if m carries a chunk under the MAC key "HMAC" or a.Key() (the
// encoder adds that one), if the chunks exceed 65535 bytes, if the payload
// exceeds 2^31-1 bytes, or if both Data and Segments are set.
func AppendMessage(dst []byte, m *Message, a Authenticator) ([]byte, error) {
	return appendFrame(dst, m, m.Flags, m.Data, m.Segments, a, true)
}

// appendFrame encodes m with the given flags and payload (data, or segs
// when segs is not nil); the payload itself is appended only when withData
// is set (a Writer sends big payloads from their own buffer).
func appendFrame(dst []byte, m *Message, flags Flags, data []byte, segs [][]byte, a Authenticator, withData bool) ([]byte, error) {
	size := len(data)
	if segs != nil {
		if len(data) != 0 {
			return dst, fmt.Errorf("wire: message has both Data and Segments")
		}
		size = 0
		for _, s := range segs {
			size += len(s)
			if size > maxDataSize {
				break
			}
		}
	}
	if size > maxDataSize {
		return dst, fmt.Errorf("%w: data size %d does not fit the header (max %d)", ErrTooLarge, size, maxDataSize)
	}
	macKey, macSize := "", 0
	if a != nil {
		macKey, macSize = a.Key(), a.Size()
		if !validKey(macKey) {
			return dst, fmt.Errorf("wire: authenticator key %q is not 4 printable ASCII bytes", macKey)
		}
		if macSize < 0 || macSize > maxAnnotationsSize-chunkHeaderSize {
			return dst, fmt.Errorf("wire: authenticator MAC size %d out of range", macSize)
		}
	}
	annSize := 0
	for _, an := range m.Annotations {
		if !validKey(an.Key) {
			return dst, fmt.Errorf("%w: key %q is not 4 printable ASCII bytes", ErrAnnotations, an.Key)
		}
		if an.Key == KeyHMAC || an.Key == macKey {
			return dst, fmt.Errorf("%w: key %q is reserved for the authenticator", ErrAnnotations, an.Key)
		}
		if len(an.Value) > maxAnnotationsSize {
			return dst, fmt.Errorf("%w: value of %q has %d bytes (max %d)", ErrAnnotations, an.Key, len(an.Value), maxAnnotationsSize)
		}
		annSize += chunkHeaderSize + len(an.Value)
		if annSize > maxAnnotationsSize {
			break // reported below; keeps annSize from overflowing
		}
	}
	if a != nil {
		annSize += chunkHeaderSize + macSize
	}
	if annSize > maxAnnotationsSize {
		return dst, fmt.Errorf("%w: chunks take %d bytes (max %d)", ErrAnnotations, annSize, maxAnnotationsSize)
	}
	if err := checkDuplicates(m.Annotations); err != nil {
		return dst, err
	}

	h := Header{
		Type:            m.Type,
		Flags:           flags,
		Seq:             m.Seq,
		DataSize:        int32(size),
		SerializerID:    m.SerializerID,
		AnnotationsSize: uint16(annSize),
	}
	h.Checksum = h.ComputeChecksum()
	need := HeaderSize + annSize
	if withData {
		need += size
	}
	dst = slices.Grow(dst, need) // one allocation at most, not one per doubling
	start := len(dst)
	out := h.Append(dst)
	for _, an := range m.Annotations {
		out = appendChunk(out, an.Key, an.Value)
	}
	if a != nil {
		var mac []byte
		var err error
		hdr := out[start : start+HeaderSize]
		switch ss, ok := a.(SegmentSigner); {
		case segs == nil:
			mac, err = a.Sign(hdr, m.Annotations, data)
		case ok:
			mac, err = ss.SignSegments(hdr, m.Annotations, segs)
		default:
			mac, err = a.Sign(hdr, m.Annotations, joinSegments(segs))
		}
		if err != nil {
			return dst, fmt.Errorf("wire: signing message: %w", err)
		}
		if len(mac) != macSize {
			return dst, fmt.Errorf("wire: authenticator returned a %d-byte MAC, announced %d", len(mac), macSize)
		}
		out = appendChunk(out, macKey, mac)
	}
	if withData {
		out = append(out, data...)
		for _, s := range segs {
			out = append(out, s...)
		}
	}
	return out, nil
}

func appendChunk(dst []byte, key string, v []byte) []byte {
	dst = append(dst, key...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
	return append(dst, v...)
}

// validKey reports whether k is exactly 4 printable ASCII bytes.
func validKey[T string | []byte](k T) bool {
	if len(k) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if k[i] < 0x20 || k[i] > 0x7E {
			return false
		}
	}
	return true
}

// knownKey returns a constant string for the keys Pyro4 uses, so parsing
// them allocates nothing.
func knownKey(b []byte) (string, bool) {
	switch string(b) {
	case KeyCorrelation:
		return KeyCorrelation, true
	case KeyHMAC:
		return KeyHMAC, true
	case KeyStream:
		return KeyStream, true
	case KeyBlobInfo:
		return KeyBlobInfo, true
	}
	return "", false
}

// smallDupScan is the chunk count up to which duplicate keys are found by
// comparing every pair; above it a map is used, so a peer cannot make the
// check quadratic.
const smallDupScan = 16

// parseChunks parses the annotation region b strictly. It returns every
// chunk in wire order; values are sub-slices of b capped at their length.
func parseChunks(b []byte) ([]Annotation, error) { return parseChunksInto(nil, b) }

// parseChunksInto is parseChunks appending to dst, whose spare capacity
// (if enough) holds the annotations without an allocation.
func parseChunksInto(dst []Annotation, b []byte) ([]Annotation, error) {
	n, unknown := 0, 0
	for i := 0; i < len(b); {
		if len(b)-i < chunkHeaderSize {
			return nil, fmt.Errorf("%w: %d stray bytes at offset %d", ErrAnnotations, len(b)-i, i)
		}
		key := b[i : i+4]
		if !validKey(key) {
			return nil, fmt.Errorf("%w: key %q at offset %d is not 4 printable ASCII bytes", ErrAnnotations, key, i)
		}
		if _, ok := knownKey(key); !ok {
			unknown++
		}
		l := int(binary.BigEndian.Uint16(b[i+4 : i+6]))
		end := i + chunkHeaderSize + l
		if end > len(b) {
			return nil, fmt.Errorf("%w: chunk %q at offset %d runs %d bytes past annotations_size %d", ErrAnnotations, key, i, end-len(b), len(b))
		}
		n++
		i = end
	}
	if n == 0 {
		return nil, nil
	}
	// Keys that are not Pyro4's own share one string allocation.
	var keys string
	if unknown > 0 {
		var sb strings.Builder
		sb.Grow(4 * unknown)
		for i := 0; i < len(b); i += chunkHeaderSize + int(binary.BigEndian.Uint16(b[i+4:i+6])) {
			if _, ok := knownKey(b[i : i+4]); !ok {
				sb.Write(b[i : i+4])
			}
		}
		keys = sb.String()
	}
	anns := dst[:0]
	if cap(anns) < n {
		anns = make([]Annotation, 0, n)
	}
	for i := 0; i < len(b); {
		l := int(binary.BigEndian.Uint16(b[i+4 : i+6]))
		k, ok := knownKey(b[i : i+4])
		if !ok {
			k, keys = keys[:4], keys[4:]
		}
		v := i + chunkHeaderSize
		anns = append(anns, Annotation{Key: k, Value: b[v : v+l : v+l]})
		i = v + l
	}
	if err := checkDuplicates(anns); err != nil {
		return nil, err
	}
	return anns, nil
}

func checkDuplicates(anns []Annotation) error {
	if len(anns) <= smallDupScan {
		for i := 1; i < len(anns); i++ {
			for j := 0; j < i; j++ {
				if anns[i].Key == anns[j].Key {
					return fmt.Errorf("%w: key %q repeated", ErrAnnotations, anns[i].Key)
				}
			}
		}
		return nil
	}
	seen := make(map[string]struct{}, len(anns))
	for _, an := range anns {
		if _, dup := seen[an.Key]; dup {
			return fmt.Errorf("%w: key %q repeated", ErrAnnotations, an.Key)
		}
		seen[an.Key] = struct{}{}
	}
	return nil
}

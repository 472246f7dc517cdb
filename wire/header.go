package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
)

const (
	// HeaderSize is the length of the fixed message header.
	HeaderSize = 24
	// ProtocolVersion is the only protocol version spoken (Pyro4 4.82).
	ProtocolVersion = 48
	// Magic is the four bytes every message starts with.
	Magic = "PYRO"

	// checksumMagic is the constant Pyro4 adds into the header checksum.
	checksumMagic = 0x34E9
	// chunkHeaderSize is the size of an annotation chunk's key and length.
	chunkHeaderSize = 6
	// maxAnnotationsSize is the largest annotations_size (a uint16 field);
	// it also bounds every single chunk value.
	maxAnnotationsSize = 0xFFFF
	// maxDataSize is the largest data_size (a signed int32 field).
	maxDataSize = 0x7FFFFFFF
)

// MsgType is the message type field of the header.
type MsgType uint16

// Message types of protocol 48.
const (
	MsgConnect     MsgType = 1 // client→daemon handshake request
	MsgConnectOK   MsgType = 2 // daemon→client handshake accepted
	MsgConnectFail MsgType = 3 // daemon→client handshake refused
	MsgInvoke      MsgType = 4 // client→daemon method call
	MsgResult      MsgType = 5 // daemon→client return value or exception
	MsgPing        MsgType = 6 // ping/pong, payload never deserialized
)

var msgTypeNames = [...]string{
	MsgConnect:     "CONNECT",
	MsgConnectOK:   "CONNECTOK",
	MsgConnectFail: "CONNECTFAIL",
	MsgInvoke:      "INVOKE",
	MsgResult:      "RESULT",
	MsgPing:        "PING",
}

// String returns the Pyro4 name of t without the MSG_ prefix ("INVOKE"), or
// "MsgType(n)" for a value protocol 48 does not define.
func (t MsgType) String() string {
	if int(t) < len(msgTypeNames) && msgTypeNames[t] != "" {
		return msgTypeNames[t]
	}
	return "MsgType(" + strconv.Itoa(int(t)) + ")"
}

// Flags is the flags bit set of the header. Pyro4 ignores unknown bits and
// so does this package: they are kept as received.
type Flags uint16

// Flag bits of protocol 48.
const (
	FlagException        Flags = 0x01 // payload is a serialized exception
	FlagCompressed       Flags = 0x02 // payload is zlib (RFC 1950) compressed
	FlagOneway           Flags = 0x04 // the daemon must not reply
	FlagBatch            Flags = 0x08 // batch request or batch reply
	FlagMetaOnConnect    Flags = 0x10 // handshake carries object metadata
	FlagItemStreamResult Flags = 0x20 // result is a remote iterator
	FlagKeepSerialized   Flags = 0x40 // "blob" call
)

var flagNames = [...]struct {
	f    Flags
	name string
}{
	{FlagException, "EXCEPTION"},
	{FlagCompressed, "COMPRESSED"},
	{FlagOneway, "ONEWAY"},
	{FlagBatch, "BATCH"},
	{FlagMetaOnConnect, "META_ON_CONNECT"},
	{FlagItemStreamResult, "ITEMSTREAMRESULT"},
	{FlagKeepSerialized, "KEEPSERIALIZED"},
}

// String returns the set bits joined by "|" (for example
// "EXCEPTION|ITEMSTREAMRESULT"), unknown bits as one hex number, and "0"
// for no bits.
func (f Flags) String() string {
	if f == 0 {
		return "0"
	}
	var sb strings.Builder
	rest := f
	for _, n := range flagNames {
		if f&n.f == 0 {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString(n.name)
		rest &^= n.f
	}
	if rest != 0 {
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		fmt.Fprintf(&sb, "%#x", uint16(rest))
	}
	return sb.String()
}

// Header is the decoded fixed 24-byte header. Magic and version are not
// stored: [ParseHeader] accepts only "PYRO" and [ProtocolVersion].
type Header struct {
	Type            MsgType
	Flags           Flags
	Seq             uint16
	DataSize        int32 // signed on the wire; a negative value is refused by Reader
	SerializerID    uint16
	AnnotationsSize uint16
	Reserved        uint16 // sent as 0, ignored on receive, not in the checksum
	Checksum        uint16
}

// ComputeChecksum returns the checksum the header fields call for:
// (type + version + data_size + annotations_size + serializer_id + flags +
// seq + 0x34E9) mod 2^16. Reserved and Checksum are not part of it, and
// being a sum mod 2^16 it does not see the upper 16 bits of data_size. The
// checksum only detects a stream that is out of step; it is not integrity
// protection, as anyone can recompute it.
func (h Header) ComputeChecksum() uint16 {
	sum := uint32(h.Type) + ProtocolVersion + uint32(h.DataSize) + uint32(h.AnnotationsSize) +
		uint32(h.SerializerID) + uint32(h.Flags) + uint32(h.Seq) + checksumMagic
	return uint16(sum)
}

// Append appends the 24 wire bytes of h to dst and returns the result. The
// fields, Checksum and Reserved included, are written exactly as they are
// in h; set Checksum = h.ComputeChecksum() to produce a valid header.
func (h Header) Append(dst []byte) []byte {
	dst = append(dst, Magic...)
	dst = binary.BigEndian.AppendUint16(dst, ProtocolVersion)
	dst = binary.BigEndian.AppendUint16(dst, uint16(h.Type))
	dst = binary.BigEndian.AppendUint16(dst, uint16(h.Flags))
	dst = binary.BigEndian.AppendUint16(dst, h.Seq)
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.DataSize))
	dst = binary.BigEndian.AppendUint16(dst, h.SerializerID)
	dst = binary.BigEndian.AppendUint16(dst, h.AnnotationsSize)
	dst = binary.BigEndian.AppendUint16(dst, h.Reserved)
	dst = binary.BigEndian.AppendUint16(dst, h.Checksum)
	return dst
}

// ParseHeader decodes the first [HeaderSize] bytes of b. It checks the magic
// and version first ([ErrBadMagic]), then the checksum ([ErrChecksum]), as
// Pyro4 does. Fewer than HeaderSize bytes give an error wrapping
// [io.ErrUnexpectedEOF]. The declared sizes are not checked against any
// limit here; [Reader] does that.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("wire: header has %d of %d bytes: %w", len(b), HeaderSize, io.ErrUnexpectedEOF)
	}
	if string(b[0:4]) != Magic || binary.BigEndian.Uint16(b[4:6]) != ProtocolVersion {
		return Header{}, ErrBadMagic
	}
	h := Header{
		Type:            MsgType(binary.BigEndian.Uint16(b[6:8])),
		Flags:           Flags(binary.BigEndian.Uint16(b[8:10])),
		Seq:             binary.BigEndian.Uint16(b[10:12]),
		DataSize:        int32(binary.BigEndian.Uint32(b[12:16])),
		SerializerID:    binary.BigEndian.Uint16(b[16:18]),
		AnnotationsSize: binary.BigEndian.Uint16(b[18:20]),
		Reserved:        binary.BigEndian.Uint16(b[20:22]),
		Checksum:        binary.BigEndian.Uint16(b[22:24]),
	}
	if h.Checksum != h.ComputeChecksum() {
		return Header{}, ErrChecksum
	}
	return h, nil
}

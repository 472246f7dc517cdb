package wire

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"
)

// eagerAllocMax is the largest message body the Reader allocates before
// any of it has arrived. A bigger body is allocated in full only once its
// first eagerAllocMax bytes are in, so a peer that announces a huge message
// must send that much before it costs the reader more.
const eagerAllocMax = 4 << 20

// Reader reads messages from a byte stream. It is not safe for concurrent
// use. It does no read-ahead: every byte it consumes belongs to a message,
// so the underlying reader may be a bufio.Reader if fewer read calls are
// wanted.
//
// Once ReadMessage has failed after consuming part of a message, the stream
// is no longer at a message boundary (or the peer is hostile); the error is
// sticky and every later call returns it. The connection should be closed.
// An error before the first header byte (io.EOF, a read deadline) is not
// sticky.
type Reader struct {
	r    io.Reader
	lim  Limits
	auth Authenticator
	hdr  [HeaderSize]byte
	zr   io.ReadCloser // reused zlib reader, nil until first needed
	zsrc bytes.Reader
	err  error
}

// NewReader returns a Reader reading from r within lim (zero fields take
// their defaults, see [Limits]).
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{r: r, lim: lim.WithDefaults()}
}

// SetAuthenticator sets the authenticator that checks the MAC chunk of
// the following messages; nil means none. It may be changed between
// messages, for example once a handshake has chosen a stronger one.
func (r *Reader) SetAuthenticator(a Authenticator) { r.auth = a }

// ReadMessage reads the next message. The checks run in this order, each
// before anything the peer controls is allocated or trusted:
//
//  1. the 24-byte header into a fixed array: magic and version
//     ([ErrBadMagic]), checksum ([ErrChecksum]);
//  2. the declared sizes against the limits ([ErrTooLarge]);
//  3. one buffer for annotations and data, read in full (a short stream gives
//     [io.ErrUnexpectedEOF]);
//  4. the chunks, strictly ([ErrAnnotations]);
//  5. the MAC ([ErrMACNotSymmetric], [ErrMACMismatch]);
//  6. inflation of a COMPRESSED payload within the decompressed-size limit
//     ([ErrDecompress], [ErrDecompressedTooLarge]).
//
// A stream that ends cleanly before a header gives io.EOF itself.
func (r *Reader) ReadMessage() (*Message, error) {
	if r.err != nil {
		return nil, r.err
	}
	n, err := io.ReadFull(r.r, r.hdr[:])
	if err != nil {
		if n == 0 {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, &headerError{err}
		}
		return nil, r.fail(fmt.Errorf("wire: reading header (%d of %d bytes): %w", n, HeaderSize, err))
	}
	m, err := r.readRest()
	if err != nil {
		return nil, r.fail(err)
	}
	return m, nil
}

// headerError is a read that failed before the first header byte, such as
// a deadline or a closed connection. Its text is built only when asked for:
// a connection that is closed on purpose never needs it.
type headerError struct{ err error }

func (e *headerError) Error() string { return "wire: reading header: " + e.err.Error() }
func (e *headerError) Unwrap() error { return e.err }

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

func (r *Reader) readRest() (*Message, error) {
	h, err := ParseHeader(r.hdr[:])
	if err != nil {
		return nil, err
	}
	if h.DataSize < 0 {
		return nil, fmt.Errorf("%w: negative data size %d", ErrTooLarge, h.DataSize)
	}
	total := int64(h.DataSize) + int64(h.AnnotationsSize)
	if total > int64(r.lim.MaxMessageSize) {
		return nil, fmt.Errorf("%w (%d where max=%d)", ErrTooLarge, total, r.lim.MaxMessageSize)
	}
	body, err := r.readBody(int(total))
	if err != nil {
		return nil, err
	}
	annBytes, data := body[:h.AnnotationsSize:h.AnnotationsSize], body[h.AnnotationsSize:]
	blk := new(messageBlock)
	anns, err := parseChunksInto(blk.anns[:0], annBytes)
	if err != nil {
		return nil, err
	}
	if anns, err = r.verify(anns, data); err != nil {
		return nil, err
	}
	if h.Flags&FlagCompressed != 0 {
		if data, err = r.inflate(data); err != nil {
			return nil, err
		}
	}
	blk.m = Message{
		Type:         h.Type,
		Flags:        h.Flags,
		Seq:          h.Seq,
		SerializerID: h.SerializerID,
		Annotations:  anns,
		Data:         data,
	}
	return &blk.m, nil
}

// messageBlock is a received message with room for the annotations most
// messages carry (CORR and a MAC, say), so that reading one costs one
// allocation besides its body.
type messageBlock struct {
	m    Message
	anns [3]Annotation
}

// readBody reads exactly n bytes into a new buffer. A body over
// eagerAllocMax is read first into a reused scratch buffer, then copied into
// its full allocation once those bytes have arrived (see eagerAllocMax).
func (r *Reader) readBody(n int) ([]byte, error) {
	if n <= eagerAllocMax {
		buf := make([]byte, n)
		if _, err := io.ReadFull(r.r, buf); err != nil {
			return nil, bodyError(0, n, err)
		}
		return buf, nil
	}
	// The first eagerAllocMax bytes go to a reused scratch buffer; only
	// once they have arrived is the full body allocated.
	sp, _ := scratch.Get().(*[]byte)
	if sp == nil {
		b := make([]byte, eagerAllocMax)
		sp = &b
	}
	defer scratch.Put(sp)
	if k, err := io.ReadFull(r.r, *sp); err != nil {
		return nil, bodyError(k, n, err)
	}
	buf := make([]byte, n)
	copy(buf, *sp)
	if k, err := io.ReadFull(r.r, buf[eagerAllocMax:]); err != nil {
		return nil, bodyError(eagerAllocMax+k, n, err)
	}
	return buf, nil
}

var scratch sync.Pool // of *[]byte with len eagerAllocMax

func bodyError(got, n int, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("wire: reading message body (%d of %d bytes): %w", got, n, err)
}

// verify applies the MAC rules and returns anns without the MAC chunk.
// "HMAC" is reserved: it is accepted only as the chunk of an authenticator
// whose key is "HMAC".
func (r *Reader) verify(anns []Annotation, data []byte) ([]Annotation, error) {
	a := r.auth
	macKey := KeyHMAC
	if a != nil {
		macKey = a.Key()
	}
	at := -1
	for i := range anns {
		if anns[i].Key == macKey {
			at = i
		} else if anns[i].Key == KeyHMAC {
			return nil, fmt.Errorf("%w: unexpected %s chunk", ErrMACNotSymmetric, KeyHMAC)
		}
	}
	if a == nil {
		if at >= 0 {
			return nil, fmt.Errorf("%w: unexpected %s chunk", ErrMACNotSymmetric, macKey)
		}
		return anns, nil
	}
	if at < 0 {
		return nil, fmt.Errorf("%w: no %s chunk", ErrMACNotSymmetric, macKey)
	}
	mac := anns[at].Value
	copy(anns[at:], anns[at+1:])
	anns[len(anns)-1] = Annotation{}
	anns = anns[:len(anns)-1]
	if len(anns) == 0 {
		anns = nil
	}
	if err := a.Verify(r.hdr[:], anns, data, mac); err != nil {
		if errors.Is(err, ErrMACMismatch) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrMACMismatch, err)
	}
	return anns, nil
}

// inflate decompresses a zlib payload, failing as soon as the output
// exceeds MaxDecompressedSize. Bytes after the end of the zlib stream are
// refused.
func (r *Reader) inflate(data []byte) ([]byte, error) {
	r.zsrc.Reset(data)
	if r.zr == nil {
		zr, err := zlib.NewReader(&r.zsrc)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrDecompress, err)
		}
		r.zr = zr
	} else if err := r.zr.(zlib.Resetter).Reset(&r.zsrc, nil); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecompress, err)
	}
	limit := r.lim.MaxDecompressedSize
	// Guess 4x, at least 512 bytes, and never more than one byte over the
	// limit (that byte detects an oversized payload).
	out := make([]byte, 0, min(max(4*len(data), 512), limit+1))
	for {
		k, err := r.zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+k]
		if len(out) > limit {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrDecompressedTooLarge, limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrDecompress, err)
		}
		if len(out) == cap(out) {
			grown := make([]byte, len(out), min(2*cap(out), limit+1))
			copy(grown, out)
			out = grown
		}
	}
	if rest := r.zsrc.Len(); rest != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the end of the zlib stream", ErrDecompress, rest)
	}
	return out, nil
}

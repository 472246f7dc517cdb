package wire

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"net"
)

const (
	// compressMin is Pyro4's threshold: shorter payloads are never
	// compressed.
	compressMin = 200
	// vectoredMin is the payload size from which WriteMessage sends the
	// payload from its own memory (net.Buffers, writev on a socket) instead
	// of copying it behind the header.
	vectoredMin = 64 << 10
	// keepZBufMax caps the compression buffer kept between messages.
	keepZBufMax = 1 << 20
)

// Writer writes messages to a byte stream. It is not safe for concurrent
// use: callers must serialize WriteMessage calls (for example with a mutex
// per connection), as interleaved writes would corrupt the stream.
//
// A message is sent with one Write call on the underlying writer; from
// 64 KiB of payload on, header and payload go out as a net.Buffers (one
// writev system call on a TCP or Unix socket) so the payload is not copied.
// After a failed write the stream state is unknown and the error is sticky.
type Writer struct {
	w        io.Writer
	auth     Authenticator
	compress bool
	buf      []byte       // header + chunks (+ small payloads), reused
	zw       *zlib.Writer // reused deflater, nil until needed
	zbuf     bytes.Buffer
	vec      [2][]byte
	nb       net.Buffers
	err      error
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w}
}

// SetAuthenticator sets the authenticator whose MAC chunk is appended to
// every following message; nil means none.
func (w *Writer) SetAuthenticator(a Authenticator) { w.auth = a }

// SetCompression turns payload compression on or off. With it on, a message
// without FlagCompressed whose payload is at least 200 bytes is deflated
// (zlib, default level) and sent compressed with FlagCompressed set, if
// that makes it smaller; this is Pyro4's rule. The Message itself is not
// modified. A message that already has FlagCompressed is sent as it is.
func (w *Writer) SetCompression(on bool) { w.compress = on }

// WriteMessage encodes m (see [AppendMessage]) and writes it. Encoding
// errors leave the stream untouched; write errors are sticky.
func (w *Writer) WriteMessage(m *Message) error {
	if w.err != nil {
		return w.err
	}
	data, flags := m.Data, m.Flags
	if w.wouldCompress(m) {
		c, err := w.deflate(data)
		if err != nil {
			return err
		}
		if len(c) < len(data) {
			data, flags = c, flags|FlagCompressed
		}
	}
	vectored := len(data) >= vectoredMin
	buf, err := appendFrame(w.buf[:0], m, flags, data, w.auth, !vectored)
	if err != nil {
		return err
	}
	if vectored {
		w.vec = [2][]byte{buf, data}
		w.nb = w.vec[:]
		_, err = w.nb.WriteTo(w.w)
		w.vec, w.nb = [2][]byte{}, nil
	} else {
		_, err = w.w.Write(buf)
	}
	w.buf = buf
	if w.zbuf.Cap() > keepZBufMax {
		w.zbuf = bytes.Buffer{}
	}
	if err != nil {
		w.err = fmt.Errorf("wire: writing message: %w", err)
		return w.err
	}
	return nil
}

// wouldCompress tells whether WriteMessage tries compressing m's data.
func (w *Writer) wouldCompress(m *Message) bool {
	return w.compress && m.Flags&FlagCompressed == 0 && len(m.Data) >= compressMin
}

// WriteMessages writes several messages with one write where it can (so a
// request sent right behind a handshake costs the peer one wake-up, not
// two). Messages that would be compressed or written vectored are written
// one by one, in order.
func (w *Writer) WriteMessages(ms ...*Message) error {
	if w.err != nil {
		return w.err
	}
	for _, m := range ms {
		if len(m.Data) >= vectoredMin || w.wouldCompress(m) {
			for _, m := range ms {
				if err := w.WriteMessage(m); err != nil {
					return err
				}
			}
			return nil
		}
	}
	buf := w.buf[:0]
	for _, m := range ms {
		var err error
		if buf, err = appendFrame(buf, m, m.Flags, m.Data, w.auth, true); err != nil {
			return err
		}
	}
	_, err := w.w.Write(buf)
	w.buf = buf
	if err != nil {
		w.err = fmt.Errorf("wire: writing message: %w", err)
		return w.err
	}
	return nil
}

// deflate compresses data into the reused buffer, which stays valid until
// the next call.
func (w *Writer) deflate(data []byte) ([]byte, error) {
	w.zbuf.Reset()
	if w.zw == nil {
		w.zw = zlib.NewWriter(&w.zbuf)
	} else {
		w.zw.Reset(&w.zbuf)
	}
	if _, err := w.zw.Write(data); err != nil {
		return nil, fmt.Errorf("wire: compressing payload: %w", err)
	}
	if err := w.zw.Close(); err != nil {
		return nil, fmt.Errorf("wire: compressing payload: %w", err)
	}
	return w.zbuf.Bytes(), nil
}

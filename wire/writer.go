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
	// keepBufMax caps the frame buffer kept after a write of several
	// messages.
	keepBufMax = 256 << 10
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
	vec      [2][]byte   // holds a long Data as a one-piece payload
	nb       net.Buffers // reused between vectored writes
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
//
// A payload in [Message.Segments] goes out without being joined: pieces
// of 64 KiB or more are sent from their own memory, shorter ones are copied
// behind the header, all in one writev where the stream is a socket. (With
// compression on, the pieces are joined to be deflated.)
func (w *Writer) WriteMessage(m *Message) error {
	if w.err != nil {
		return w.err
	}
	data, segs, flags := m.Data, m.Segments, m.Flags
	if w.wouldCompress(m) {
		c, err := w.deflate(m.payload())
		if err != nil {
			return err
		}
		if len(c) < m.PayloadLen() {
			data, segs, flags = c, nil, flags|FlagCompressed
		}
	}
	if segs == nil && len(data) >= vectoredMin {
		w.vec[0] = data
		data, segs = nil, w.vec[:1]
	}
	buf, err := appendFrame(w.buf[:0], m, flags, data, segs, w.auth, segs == nil)
	if err != nil {
		w.vec = [2][]byte{}
		return err
	}
	if segs != nil {
		err = w.writeSegments(buf, segs)
		w.vec = [2][]byte{}
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

// writeSegments writes the frame head followed by the payload pieces:
// short pieces are copied behind the head (and behind each other), long
// ones are handed to the stream as they are, in one vectored write.
func (w *Writer) writeSegments(head []byte, segs [][]byte) error {
	buf := head
	// ends[i] is where in buf the i-th long piece goes.
	var ends [8]int
	cuts := ends[:0]
	var longs [8][]byte
	big := longs[:0]
	for _, s := range segs {
		if len(s) < vectoredMin {
			buf = append(buf, s...)
			continue
		}
		cuts = append(cuts, len(buf))
		big = append(big, s)
	}
	nb := w.nb[:0]
	start := 0
	for i, end := range cuts {
		if end > start {
			nb = append(nb, buf[start:end])
		}
		nb = append(nb, big[i])
		start = end
	}
	if start < len(buf) {
		nb = append(nb, buf[start:])
	}
	w.nb = nb[:0]
	_, err := nb.WriteTo(w.w)
	clear(w.nb[:cap(w.nb)])
	w.buf = buf
	return err
}

// wouldCompress tells whether WriteMessage tries compressing m's data.
func (w *Writer) wouldCompress(m *Message) bool {
	return w.compress && m.Flags&FlagCompressed == 0 && m.PayloadLen() >= compressMin
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
		if len(m.Data) >= vectoredMin || m.Segments != nil || w.wouldCompress(m) {
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
		if buf, err = appendFrame(buf, m, m.Flags, m.Data, nil, w.auth, true); err != nil {
			return err
		}
	}
	_, err := w.w.Write(buf)
	w.buf = buf
	if cap(buf) > keepBufMax {
		w.buf = nil // a burst of messages does not pin its buffer
	}
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

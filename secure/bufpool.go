package secure

import "sync"

// Large encode buffers are reused: a bulk payload encoded into a fresh
// buffer costs a zeroed allocation (and page faults) per call, which
// dominated large transfers. Buffers are returned only after the message
// was written, so no payload is ever shared.
const pooledMin = 1 << 20

var bigBufs sync.Pool // of *[]byte

// encodeBuf returns an empty buffer with room for n bytes.
func encodeBuf(n int) []byte {
	if n < pooledMin {
		return make([]byte, 0, n)
	}
	if p, ok := bigBufs.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]byte, 0, n)
}

// releaseBuf gives a buffer back once nothing refers to it.
func releaseBuf(b []byte) {
	if cap(b) >= pooledMin {
		putBig(b)
	}
}

// putBig pools b. It is apart from releaseBuf so that the pointer Put needs
// is made only for a buffer that is pooled: taking b's address in
// releaseBuf itself would put every buffer's slice header on the heap.
func putBig(b []byte) {
	p := new([]byte)
	*p = b[:0]
	bigBufs.Put(p)
}

package marshal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

// normalizeCPython rewrites well-formed marshal data into a canonical form
// so that CPython's output and ours can be compared byte for byte: FLAG_REF
// bits are cleared, back-references are replaced by the bytes of the object
// they point to, interned codes become their plain forms (t→u, A→a, Z→z)
// and set elements are sorted. It is a deliberately separate, simpler
// reader than the decoder under test, for well-formed input only.
func normalizeCPython(b []byte) ([]byte, error) {
	n := &normalizer{data: b}
	out, err := n.obj()
	if err != nil {
		return nil, err
	}
	if n.pos != len(b) {
		return nil, fmt.Errorf("trailing bytes at %d", n.pos)
	}
	return out, nil
}

type normalizer struct {
	data []byte
	pos  int
	refs [][]byte
}

func (n *normalizer) take(k int) ([]byte, error) {
	if k < 0 || n.pos+k > len(n.data) {
		return nil, fmt.Errorf("short data at %d", n.pos)
	}
	b := n.data[n.pos : n.pos+k]
	n.pos += k
	return b, nil
}

func (n *normalizer) u32() (int, error) {
	b, err := n.take(4)
	if err != nil {
		return 0, err
	}
	return int(int32(binary.LittleEndian.Uint32(b))), nil
}

func (n *normalizer) obj() ([]byte, error) {
	cb, err := n.take(1)
	if err != nil {
		return nil, err
	}
	flag := cb[0]&0x80 != 0
	code := cb[0] &^ 0x80
	switch code {
	case 'N', 'T', 'F', '0':
		return []byte{code}, nil
	case 'r':
		i, err := n.u32()
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(n.refs) || n.refs[i] == nil {
			return nil, fmt.Errorf("bad ref %d", i)
		}
		return n.refs[i], nil
	}
	idx := -1
	if flag {
		idx = len(n.refs)
		n.refs = append(n.refs, nil)
	}
	var out []byte
	fixed := func(k int) error {
		b, err := n.take(k)
		out = append([]byte{code}, b...)
		return err
	}
	switch code {
	case 'i':
		err = fixed(4)
	case 'g':
		err = fixed(8)
	case 'y':
		err = fixed(16)
	case 'l':
		var c int
		if c, err = n.u32(); err == nil {
			if c < 0 {
				c = -c
			}
			n.pos -= 4
			err = fixed(4 + 2*c)
		}
	case 's', 'u', 't', 'a', 'A':
		var c int
		if c, err = n.u32(); err == nil {
			n.pos -= 4
			err = fixed(4 + c)
		}
	case 'z', 'Z':
		if n.pos < len(n.data) {
			err = fixed(1 + int(n.data[n.pos]))
		} else {
			err = fmt.Errorf("short")
		}
	case '(', ')', '[', '<', '>':
		var c int
		if code == ')' {
			var b []byte
			if b, err = n.take(1); err == nil {
				c = int(b[0])
			}
			out = []byte{code, byte(c)}
		} else if c, err = n.u32(); err == nil {
			out = binary.LittleEndian.AppendUint32([]byte{code}, uint32(c))
		}
		var elems [][]byte
		for i := 0; i < c && err == nil; i++ {
			var e []byte
			if e, err = n.obj(); err == nil {
				elems = append(elems, e)
			}
		}
		if code == '<' || code == '>' {
			sort.Slice(elems, func(i, j int) bool { return bytes.Compare(elems[i], elems[j]) < 0 })
		}
		for _, e := range elems {
			out = append(out, e...)
		}
	case '{':
		out = []byte{code}
		for err == nil {
			var k []byte
			if k, err = n.obj(); err != nil || bytes.Equal(k, []byte{'0'}) {
				break
			}
			out = append(out, k...)
			var v []byte
			if v, err = n.obj(); err == nil {
				out = append(out, v...)
			}
		}
		out = append(out, '0')
	default:
		err = fmt.Errorf("code %q not handled", code)
	}
	if err != nil {
		return nil, err
	}
	switch out[0] {
	case 't':
		out[0] = 'u'
	case 'A':
		out[0] = 'a'
	case 'Z':
		out[0] = 'z'
	}
	if idx >= 0 {
		n.refs[idx] = out
	}
	return out, nil
}

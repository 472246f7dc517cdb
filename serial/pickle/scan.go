package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/flintrpc/flint/serial"
)

// Pickle opcodes (see Python's pickletools).
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opString         = 'S'
	opBinString      = 'T'
	opShortBinString = 'U'
	opUnicode        = 'V'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opInst           = 'i'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opObj            = 'o'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	opProto          = 0x80
	opNewObj         = 0x81
	opExt1           = 0x82
	opExt2           = 0x83
	opExt4           = 0x84
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opEmptySet       = 0x8f
	opAddItems       = 0x90
	opFrozenSet      = 0x91
	opNewObjEx       = 0x92
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
	opByteArray8     = 0x96
	opNextBuffer     = 0x97
	opReadOnlyBuffer = 0x98
)

// forbidden names the opcodes that build objects, resolve classes by
// number or load references: refused whatever their arguments.
var forbidden = map[byte]string{
	opBuild: "BUILD", opInst: "INST", opObj: "OBJ", opNewObj: "NEWOBJ", opNewObjEx: "NEWOBJ_EX",
	opExt1: "EXT1", opExt2: "EXT2", opExt4: "EXT4", opPersID: "PERSID", opBinPersID: "BINPERSID",
	opNextBuffer: "NEXT_BUFFER", opReadOnlyBuffer: "READONLY_BUFFER",
}

// missing names opcodes og-rek does not implement.
var missing = map[byte]string{
	opPopMark: "POP_MARK", opDup: "DUP", opLong4: "LONG4", opBinUnicode8: "BINUNICODE8", opBinBytes8: "BINBYTES8",
	opEmptySet: "EMPTY_SET", opAddItems: "ADDITEMS", opFrozenSet: "FROZENSET",
}

// allowedGlobals are the only callables a pickle may name: constructors of
// plain data, which og-rek or this package interpret without calling.
var allowedGlobals = map[string]bool{
	"builtins\nset": true, "builtins\nfrozenset": true, "builtins\ncomplex": true, "builtins\nbytearray": true,
	"__builtin__\nset": true, "__builtin__\nfrozenset": true, "__builtin__\ncomplex": true,
	"__builtin__\nbytearray": true, "_codecs\nencode": true,
}

// maxNumberText bounds the text of INT, LONG and FLOAT opcodes: CPython
// refuses to convert more than 4300 digits, and converting longer text
// costs og-rek quadratic time.
const maxNumberText = 4400

// copyBudget is how many list elements, per allowed item, og-rek may copy
// while appending to lists that the memo or DUP shares.
const copyBudget = 4

// slot is what the scan knows about one entry of og-rek's stack.
type slot struct {
	kind   byte   // one of the k* constants
	depth  int    // nesting depth of the value; scalars are 0
	weight int    // values in it, counted recursively (capped): the cost of hashing it
	list   int    // kList: index into scanner.lists
	size   int    // kList: length of this copy of the list
	shared bool   // kList: this header came from the memo
	str    string // kStr: the text, when short
	global string // kGlobal: "module\nname"
}

// listState follows one list through the stream. og-rek holds lists as Go
// slices and its stack and memo keep copies of the slice header, so when a
// list that is referenced twice grows, the other references do not see it
// (Python's pickler memoizes every list while it is still empty and fills
// it afterwards). The scan refuses every pickle in which a stale copy would
// reach the result, instead of letting og-rek return wrong data.
type listState struct {
	size     int  // current length
	live     int  // copies on the stack
	captured bool // a copy is inside another container
}

const (
	kMark byte = iota + 1
	kScalar
	kStr
	kList
	kTuple
	kDict
	kGlobal
	kValue // any other value (a call result)
)

type scanner struct {
	data  []byte
	pos   int
	lim   serial.Limits
	stack []slot
	memo  map[string]slot
	lists []listState
	items int // elements added to containers so far
	work  int // list elements og-rek may copy
	hash  int // values og-rek may visit hashing dict keys
}

func (s *scanner) malformed(format string, args ...any) error {
	return fmt.Errorf("%w: pickle: %s at offset %d", serial.ErrMalformed, fmt.Sprintf(format, args...), s.pos)
}

// scan checks data opcode by opcode before og-rek runs; see the package
// invariants.
func scan(data []byte, lim serial.Limits) error {
	s := scanner{data: data, lim: lim, memo: make(map[string]slot)}
	return s.run()
}

func (s *scanner) take(n uint64) ([]byte, error) {
	if n > uint64(len(s.data)-s.pos) {
		return nil, s.malformed("need %d bytes, have %d", n, len(s.data)-s.pos)
	}
	b := s.data[s.pos : s.pos+int(n)]
	s.pos += int(n)
	return b, nil
}

func (s *scanner) line() ([]byte, error) {
	i := bytes.IndexByte(s.data[s.pos:], '\n')
	if i < 0 {
		return nil, s.malformed("unterminated text argument")
	}
	b := s.data[s.pos : s.pos+i]
	s.pos += i + 1
	return b, nil
}

func (s *scanner) uint(size int) (uint64, error) {
	b, err := s.take(uint64(size))
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.LittleEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(b)), nil
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (s *scanner) push(v slot) error {
	if v.depth > s.lim.MaxDepth {
		return fmt.Errorf("%w: pickle: nesting deeper than %d", serial.ErrLimit, s.lim.MaxDepth)
	}
	if v.kind == kList {
		s.lists[v.list].live++
	}
	s.stack = append(s.stack, v)
	return nil
}

// newList pushes a list created with n items.
func (s *scanner) newList(depth, n int) error {
	s.lists = append(s.lists, listState{size: n})
	return s.push(slot{kind: kList, depth: depth, list: len(s.lists) - 1, size: n})
}

// drop accounts for slots leaving the stack; into says whether they went
// into another container.
func (s *scanner) drop(into bool, vs ...slot) {
	for _, v := range vs {
		if v.kind == kList {
			st := &s.lists[v.list]
			st.live--
			st.captured = st.captured || into
		}
	}
}

// pop removes the top value, which goes into a container (or is the
// result, for STOP).
func (s *scanner) pop() (slot, error) {
	if len(s.stack) == 0 {
		return slot{}, s.malformed("stack underflow")
	}
	v := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	if v.kind == kMark {
		return slot{}, s.malformed("mark used as a value")
	}
	s.drop(true, v)
	return v, nil
}

// popMark pops everything down to the topmost mark and returns it.
func (s *scanner) popMark() ([]slot, error) {
	for i := len(s.stack) - 1; i >= 0; i-- {
		if s.stack[i].kind == kMark {
			items := s.stack[i+1:]
			s.stack = s.stack[:i]
			s.drop(true, items...)
			return items, nil
		}
	}
	return nil, s.malformed("no mark on the stack")
}

func (s *scanner) count(n int) error {
	s.items += n
	if s.items > s.lim.MaxItems {
		return fmt.Errorf("%w: pickle: more than %d container elements", serial.ErrLimit, s.lim.MaxItems)
	}
	return nil
}

// maxWeight caps slot weights well below overflow.
const maxWeight = 1 << 40

// container returns a slot holding items.
func container(kind byte, items []slot) slot {
	d, w := 0, 1
	for _, it := range items {
		d = max(d, it.depth)
		w = min(w+max(it.weight, 1), maxWeight)
	}
	return slot{kind: kind, depth: d + 1, size: len(items), weight: w}
}

// hashKeys charges the hashing of dict keys: og-rek hashes a key (a tuple
// recursively) and compares it with equal keys each time it is stored, so
// one large tuple stored under many keys through the memo would cost far
// more than its input.
func (s *scanner) hashKeys(keys ...slot) error {
	for _, k := range keys {
		s.hash = min(s.hash+max(k.weight, 1), maxWeight)
	}
	if s.hash > copyBudget*s.lim.MaxItems {
		return fmt.Errorf("%w: pickle: hashing dict keys exceeds %d values", serial.ErrLimit, copyBudget*s.lim.MaxItems)
	}
	return nil
}

// addTo records n items with deepest depth d added to the container at the
// top of the stack (APPEND(S), SETITEM(S)).
func (s *scanner) addTo(want byte, n, d int) error {
	if len(s.stack) == 0 {
		return s.malformed("stack underflow")
	}
	top := &s.stack[len(s.stack)-1]
	if top.kind != want {
		return s.malformed("adding items to a non-container")
	}
	if err := s.count(n); err != nil {
		return err
	}
	if top.kind == kList {
		st := &s.lists[top.list]
		if st.live > 1 || st.captured || top.size != st.size {
			return fmt.Errorf("%w: pickle: a list referenced twice grows after the first reference; og-rek would decode it wrongly", serial.ErrUnsupported)
		}
		s.work += n
		if top.shared {
			s.work += top.size // og-rek's append may copy the memo's list
		}
		if s.work > copyBudget*s.lim.MaxItems {
			return fmt.Errorf("%w: pickle: list copying exceeds %d elements", serial.ErrLimit, copyBudget*s.lim.MaxItems)
		}
		top.size += n
		st.size = top.size
		top.shared = false
	}
	top.depth = max(top.depth, d+1)
	if top.depth > s.lim.MaxDepth {
		return fmt.Errorf("%w: pickle: nesting deeper than %d", serial.ErrLimit, s.lim.MaxDepth)
	}
	return nil
}

func maxDepth(items []slot) int {
	d := 0
	for _, it := range items {
		if it.kind == kMark {
			return -1
		}
		d = max(d, it.depth)
	}
	return d
}

func (s *scanner) run() error {
	for {
		if s.pos >= len(s.data) {
			return s.malformed("no STOP opcode")
		}
		op := s.data[s.pos]
		s.pos++
		if name, ok := forbidden[op]; ok {
			s.pos--
			return fmt.Errorf("%w: pickle: opcode %s builds objects and is refused (offset %d)", serial.ErrUnsupported, name, s.pos)
		}
		if name, ok := missing[op]; ok {
			s.pos--
			return fmt.Errorf("%w: pickle: opcode %s is not supported by the decoder (offset %d)", serial.ErrUnsupported, name, s.pos)
		}
		if err := s.step(op); err != nil {
			return err
		}
		if op == opStop {
			return nil
		}
	}
}

func (s *scanner) step(op byte) error {
	scalar := slot{kind: kScalar}
	switch op {
	case opStop:
		_, err := s.pop()
		return err
	case opMark:
		s.stack = append(s.stack, slot{kind: kMark})
		return nil
	case opPop:
		if len(s.stack) == 0 {
			return s.malformed("stack underflow")
		}
		s.drop(false, s.stack[len(s.stack)-1])
		s.stack = s.stack[:len(s.stack)-1]
		return nil
	case opNone, opNewTrue, opNewFalse:
		return s.push(scalar)
	case opInt, opLong, opFloat:
		b, err := s.line()
		if err != nil {
			return err
		}
		if len(b) > maxNumberText {
			return fmt.Errorf("%w: pickle: number text of %d bytes", serial.ErrLimit, len(b))
		}
		return s.push(scalar)
	case opBinInt, opBinInt1, opBinInt2, opBinFloat:
		if _, err := s.take(fixedSize(op)); err != nil {
			return err
		}
		return s.push(scalar)
	case opLong1:
		n, err := s.uint(1)
		if err != nil {
			return err
		}
		if _, err := s.take(n); err != nil {
			return err
		}
		return s.push(scalar)
	case opString, opUnicode:
		b, err := s.line()
		if err != nil {
			return err
		}
		return s.push(strSlot(b))
	case opShortBinString, opShortBinUni, opShortBinBytes:
		return s.counted(op, 1)
	case opBinString, opBinUnicode, opBinBytes:
		return s.counted(op, 4)
	case opByteArray8:
		return s.counted(op, 8)
	case opEmptyList:
		return s.newList(1, 0)
	case opEmptyTuple:
		return s.push(slot{kind: kTuple, depth: 1})
	case opEmptyDict:
		return s.push(slot{kind: kDict, depth: 1})
	case opList, opTuple, opDict:
		items, err := s.popMark()
		if err != nil {
			return err
		}
		if maxDepth(items) < 0 {
			return s.malformed("mark inside a container")
		}
		kind := kList
		if op == opTuple {
			kind = kTuple
		} else if op == opDict {
			kind = kDict
		}
		n := len(items)
		if op == opDict {
			if n%2 != 0 {
				return s.malformed("odd number of dict items")
			}
			if err := s.dictKeys(items); err != nil {
				return err
			}
			n /= 2
		}
		if err := s.count(n); err != nil {
			return err
		}
		if kind == kList {
			return s.newList(container(kind, items).depth, n)
		}
		return s.push(container(kind, items))
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if len(s.stack) < n {
			return s.malformed("stack underflow")
		}
		items := s.stack[len(s.stack)-n:]
		if maxDepth(items) < 0 {
			return s.malformed("mark inside a tuple")
		}
		v := container(kTuple, items)
		s.drop(true, items...)
		s.stack = s.stack[:len(s.stack)-n]
		if err := s.count(n); err != nil {
			return err
		}
		return s.push(v)
	case opAppend:
		v, err := s.pop()
		if err != nil {
			return err
		}
		return s.addTo(kList, 1, v.depth)
	case opSetItem:
		v, err := s.pop()
		if err != nil {
			return err
		}
		k, err := s.pop()
		if err != nil {
			return err
		}
		if err := s.hashKeys(k); err != nil {
			return err
		}
		return s.addTo(kDict, 1, max(k.depth, v.depth))
	case opAppends, opSetItems:
		items, err := s.popMark()
		if err != nil {
			return err
		}
		d := maxDepth(items)
		if d < 0 {
			return s.malformed("mark inside a container")
		}
		if op == opAppends {
			return s.addTo(kList, len(items), d)
		}
		if len(items)%2 != 0 {
			return s.malformed("odd number of dict items")
		}
		if err := s.dictKeys(items); err != nil {
			return err
		}
		return s.addTo(kDict, len(items)/2, d)
	case opPut:
		b, err := s.line()
		if err != nil {
			return err
		}
		return s.put(string(b))
	case opBinPut, opLongBinPut:
		n, err := s.uint(int(fixedSize(op)))
		if err != nil {
			return err
		}
		return s.put(strconv.FormatUint(n, 10))
	case opMemoize:
		return s.put(strconv.Itoa(len(s.memo)))
	case opGet:
		b, err := s.line()
		if err != nil {
			return err
		}
		return s.get(string(b))
	case opBinGet, opLongBinGet:
		n, err := s.uint(int(fixedSize(op)))
		if err != nil {
			return err
		}
		return s.get(strconv.FormatUint(n, 10))
	case opGlobal:
		mod, err := s.line()
		if err != nil {
			return err
		}
		name, err := s.line()
		if err != nil {
			return err
		}
		return s.global(string(mod), string(name))
	case opStackGlobal:
		name, err := s.pop()
		if err != nil {
			return err
		}
		mod, err := s.pop()
		if err != nil {
			return err
		}
		if name.kind != kStr || mod.kind != kStr {
			return s.malformed("STACK_GLOBAL needs two strings")
		}
		return s.global(mod.str, name.str)
	case opReduce:
		args, err := s.pop()
		if err != nil {
			return err
		}
		fn, err := s.pop()
		if err != nil {
			return err
		}
		if fn.kind != kGlobal {
			return fmt.Errorf("%w: pickle: REDUCE of something other than an allowed constructor", serial.ErrUnsupported)
		}
		if args.kind != kTuple {
			return s.malformed("REDUCE arguments are not a tuple")
		}
		return s.push(slot{kind: kValue, depth: args.depth + 1, weight: min(args.weight+1, maxWeight)})
	case opProto:
		v, err := s.uint(1)
		if err != nil {
			return err
		}
		if v > 5 {
			return s.malformed("pickle protocol %d", v)
		}
		return nil
	case opFrame:
		_, err := s.uint(8)
		return err
	}
	s.pos--
	return s.malformed("unknown opcode 0x%02x", op)
}

// dictKeys charges the keys of key, value, key, value... items.
func (s *scanner) dictKeys(items []slot) error {
	for i := 0; i < len(items); i += 2 {
		if err := s.hashKeys(items[i]); err != nil {
			return err
		}
	}
	return nil
}

// fixedSize is the argument size of the opcodes with a fixed-size one.
func fixedSize(op byte) uint64 {
	switch op {
	case opBinInt1, opBinPut, opBinGet:
		return 1
	case opBinInt2:
		return 2
	case opBinInt, opLongBinPut, opLongBinGet:
		return 4
	}
	return 8 // opBinFloat
}

// counted handles the opcodes whose argument is a length of size bytes
// followed by that many bytes.
func (s *scanner) counted(op byte, size int) error {
	n, err := s.uint(size)
	if err != nil {
		return err
	}
	b, err := s.take(n)
	if err != nil {
		return err
	}
	if op == opShortBinUni || op == opBinUnicode || op == opShortBinString || op == opBinString {
		return s.push(strSlot(b))
	}
	return s.push(slot{kind: kScalar})
}

// strSlot remembers short strings, which STACK_GLOBAL may use as names.
func strSlot(b []byte) slot {
	if len(b) > 64 {
		return slot{kind: kStr}
	}
	return slot{kind: kStr, str: string(b)}
}

func (s *scanner) put(key string) error {
	if len(s.stack) == 0 {
		return s.malformed("stack underflow")
	}
	top := &s.stack[len(s.stack)-1]
	if top.kind == kMark {
		return s.malformed("memoizing a mark")
	}
	m := *top
	m.shared = true
	s.memo[key] = m
	return nil
}

func (s *scanner) get(key string) error {
	v, ok := s.memo[key]
	if !ok {
		return s.malformed("memo key %q not defined", key)
	}
	if v.kind == kList && v.size != s.lists[v.list].size {
		return fmt.Errorf("%w: pickle: a shared list changed after it was memoized; og-rek would decode it wrongly", serial.ErrUnsupported)
	}
	return s.push(v)
}

func (s *scanner) global(mod, name string) error {
	key := mod + "\n" + name
	if !allowedGlobals[key] {
		return fmt.Errorf("%w: pickle: class or function reference %s.%s is refused", serial.ErrUnsupported, mod, name)
	}
	return s.push(slot{kind: kGlobal, global: key})
}
